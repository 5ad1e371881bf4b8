using System.Reflection;
using Spectre.Console;
using Spectre.Console.Cli;

namespace ViGoR.Cli.Commands;

internal sealed class VersionCommand : Command
{
    /// <summary>The tool's informational version (what <c>vigor version</c> and <c>vigor --version</c> print).</summary>
    public static string Version =>
        typeof(VersionCommand).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";

    public override int Execute(CommandContext context, CancellationToken cancellationToken)
    {
        AnsiConsole.WriteLine($"vigor {Version}");
        return 0;
    }
}
