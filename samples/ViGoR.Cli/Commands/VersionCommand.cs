using System.Reflection;
using Spectre.Console;
using Spectre.Console.Cli;

namespace ViGoR.Cli.Commands;

internal sealed class VersionCommand : Command
{
    public override int Execute(CommandContext context, CancellationToken cancellationToken)
    {
        var version = typeof(VersionCommand).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";
        AnsiConsole.WriteLine($"vigor {version}");
        return 0;
    }
}
