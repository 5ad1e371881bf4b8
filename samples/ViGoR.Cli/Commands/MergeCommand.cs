using System.ComponentModel;
using Spectre.Console;
using Spectre.Console.Cli;
using ViGoR.Cli.Pipeline;

namespace ViGoR.Cli.Commands;

/// <summary>
/// <c>vigor merge</c>: joins the scores journals of a job array's chunks and selects over all of
/// them, so the result equals one unsharded run.
/// </summary>
internal sealed class MergeCommand : Command<MergeCommand.Settings>
{
    public sealed class Settings : SelectionSettings
    {
        [CommandArgument(0, "<SHARDS>")]
        [Description("Chunk scores journals (vigor run --num-chunks N writes scores.chunk-I-of-N.jsonl), under any names: their headers say which chunk each is, and every chunk of the job array must be there once, complete (a chunk whose run still holds it is refused). Journals without a chunk header are taken in the order given.")]
        public string[] Shards { get; init; } = [];

        [CommandOption("--out <DIR>")]
        [Description("Folder for the merged scores.jsonl and the selected supervision.jsonl (default vigor-run/round-0).")]
        public string Out { get; init; } = Path.Combine("vigor-run", "round-0");
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        // Before anything is read or made: a chunk whose run still holds its journal is not finished
        // (merging it would select over part of it; a run that starts after this check is the
        // scheduler's to prevent), and one writer per output folder.
        foreach (var chunk in settings.Shards)
        {
            WorkFolderLock.ThrowIfFileHeld(chunk);
        }

        using var writer = WorkFolderLock.ForFolder(settings.Out);
        return Merge(settings);
    }

    private static int Merge(Settings settings)
    {
        var scoresPath = Path.Combine(settings.Out, RejectionSamplingTrainer.ScoresFileName);
        var (header, scored) = SupervisionJournal.Merge(settings.Shards, scoresPath);
        if (header is null)
        {
            throw new InvalidDataException($"{settings.Shards[0]} has no settings header: it is not a scores journal of this ViGoR version.");
        }

        var combiner = new LinearRewardCombiner(settings.CombinerOptions());
        var selectionOptions = settings.SelectionOptions();
        var selection = SupervisionSelector.Select(scored, combiner, selectionOptions);
        var supervisionPath = Path.Combine(settings.Out, RejectionSamplingTrainer.SupervisionFileName);
        SupervisionJournal.WriteAll(supervisionPath, RejectionSamplingTrainer.SelectionHeader(header, combiner, selectionOptions, selection.Statistics), selection.Records);
        AnsiConsole.MarkupLineInterpolated($"Merged {scored.Count} scored images from {settings.Shards.Length} chunks into [blue]{scoresPath}[/] and selected over all of them.");
        SupervisionTable.Write(selection.Records, supervisionPath);
        return 0;
    }
}
