using System.ComponentModel;
using Spectre.Console;
using Spectre.Console.Cli;
using ViGoR.Cli.Pipeline;

namespace ViGoR.Cli.Commands;

/// <summary>
/// <c>vigor merge</c>: joins the scores journals of a job array's chunks and selects over all of
/// them, so the result equals one unsharded run (<see cref="JournalShards.Merge"/>). The selection
/// (weights, normalisation, order, statistics) is the one the chunks' runs were given: their headers
/// record it, and chunks given different ones are refused.
/// </summary>
internal sealed class MergeCommand : Command<MergeCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandArgument(0, "<SHARDS>")]
        [Description("Chunk scores journals (vigor run --num-chunks N writes scores.chunk-I-of-N.jsonl), under any names: their headers say which chunk each is, and every chunk of the job array must be there once, complete (a chunk whose run still holds it is refused). Selection uses the --weight, --normalization, --selection-order, --statistics and --statistics-window the chunks' runs were given (their headers record them; chunks given different ones are refused). Journals without a chunk header are taken in the order given.")]
        public string[] Shards { get; init; } = [];

        [CommandOption("--out <DIR>")]
        [Description("Folder for the merged scores.jsonl and the selected supervision.jsonl (default vigor-run/round-0).")]
        public string Out { get; init; } = Path.Combine("vigor-run", "round-0");
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var merged = JournalShards.Merge(settings.Shards, settings.Out);
        var selection = string.Join(", ", merged.SupervisionHeader.Settings.Where(p => p.Key.StartsWith(SelectionSettings.Prefix, StringComparison.Ordinal) && p.Key != SelectionSettings.Prefix + "combiner").Select(p => $"{p.Key[SelectionSettings.Prefix.Length..]} {p.Value}"));
        AnsiConsole.MarkupLineInterpolated($"Merged {merged.Scored.Count} scored images from {settings.Shards.Length} chunks into [blue]{merged.ScoresPath}[/] and selected over all of them ({selection}).");
        SupervisionTable.Write(merged.Selection.Records, merged.SupervisionPath);
        return 0;
    }
}
