using System.ComponentModel;
using Spectre.Console;
using Spectre.Console.Cli;

namespace ViGoR.Cli.Commands;

/// <summary><c>vigor merge</c>: joins the journals of a job array's chunks into one.</summary>
internal sealed class MergeCommand : Command<MergeCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandArgument(0, "<SHARDS>")]
        [Description("Chunk journals in chunk order (chunk 0 first).")]
        public string[] Shards { get; init; } = [];

        [CommandOption("--out <FILE>")]
        [Description("The merged journal.")]
        public string Out { get; init; } = "supervision.jsonl";
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var count = SupervisionJournal.Merge(settings.Shards, settings.Out);
        AnsiConsole.MarkupLineInterpolated($"Merged {count} records from {settings.Shards.Length} chunks into [blue]{settings.Out}[/].");
        return 0;
    }
}
