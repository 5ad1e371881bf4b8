using System.Diagnostics;

namespace ViGoR.Cli.Tests;

/// <summary>The built <c>vigor</c> run as a child process: for what only a separate process shows (its console output, environment, exit, locks).</summary>
internal static class VigorProcess
{
    /// <summary>Starts <c>dotnet vigor.dll ARGS</c> with its output redirected and extra environment variables; the console is 400 columns wide, so messages are not wrapped.</summary>
    public static Process Start(IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(typeof(VigorApp).Assembly.Location);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["COLUMNS"] = "400";
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        return Process.Start(start)!;
    }

    /// <summary>Everything a started process writes, standard output then standard error.</summary>
    public static async Task<(string Output, string Error)> CollectAsync(Process process)
    {
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        return (await stdout, await stderr);
    }

    /// <summary>Runs <c>dotnet vigor.dll ARGS</c> to its end and returns its exit code and output.</summary>
    public static async Task<(int ExitCode, string Output, string Error)> RunAsync(IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment = null)
    {
        using var process = Start(args, environment);
        var output = CollectAsync(process);
        await process.WaitForExitAsync();
        var (stdout, stderr) = await output;
        return (process.ExitCode, stdout, stderr);
    }
}
