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
        [Description("Chunk scores journals. Named scores.chunk-I-of-N.jsonl (as vigor run writes them) they are put in chunk order and must be complete; other names are taken in the order given.")]
        public string[] Shards { get; init; } = [];

        [CommandOption("--out <DIR>")]
        [Description("Folder for the merged scores.jsonl and the selected supervision.jsonl (default vigor-run/round-0).")]
        public string Out { get; init; } = Path.Combine("vigor-run", "round-0");
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(settings.Out);
        var scoresPath = Path.Combine(settings.Out, RejectionSamplingTrainer.ScoresFileName);
        var (header, scored) = SupervisionJournal.Merge(InChunkOrder(settings.Shards), scoresPath);
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

    /// <summary>
    /// Shell globs sort chunk-10 before chunk-2: journals named as vigor run names them are put in
    /// chunk order, and a missing or repeated chunk is an error rather than a silently partial merge.
    /// </summary>
    internal static IReadOnlyList<string> InChunkOrder(IReadOnlyList<string> shards)
    {
        var parsed = shards.Select(s => (Path: s, Match: System.Text.RegularExpressions.Regex.Match(Path.GetFileName(s), @"^scores\.chunk-(\d+)-of-(\d+)\.jsonl$"))).ToList();
        if (!parsed.All(p => p.Match.Success))
        {
            return shards;
        }

        var counts = parsed.Select(p => int.Parse(p.Match.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture)).Distinct().ToList();
        if (counts.Count != 1)
        {
            throw new ArgumentException($"The chunk journals come from runs with different chunk counts ({string.Join(", ", counts)}).");
        }

        var ordered = parsed.OrderBy(p => int.Parse(p.Match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)).ToList();
        var indices = ordered.Select(p => int.Parse(p.Match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)).ToList();
        if (!indices.SequenceEqual(Enumerable.Range(0, counts[0])))
        {
            throw new ArgumentException($"Merging needs every chunk 0..{counts[0] - 1} exactly once; got {string.Join(", ", indices)}.");
        }

        return ordered.Select(p => p.Path).ToList();
    }
}
