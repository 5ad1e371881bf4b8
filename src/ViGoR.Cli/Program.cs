using ViGoR.Cli;

return await CliHost.RunAsync(VigorApp.Create(), args);
