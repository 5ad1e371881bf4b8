using Spectre.Console.Cli;
using ViGoR.Cli;
using ViGoR.Cli.Commands;

var app = new CommandApp();
app.Configure(config =>
{
    config.SetApplicationName("vigor");
    config.PropagateExceptions();
    config.AddCommand<VersionCommand>("version").WithDescription("Print the vigor version.");
    config.AddCommand<DetectCommand>("detect").WithDescription("Find phrases in an image with Grounding DINO (ONNX) or ground-truth boxes; print, --json, --draw.");
    // Each verb lives in Commands/<Verb>Command.cs; register it here.
});

return await CliHost.RunAsync(app, args);
