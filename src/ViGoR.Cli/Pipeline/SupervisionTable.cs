using Spectre.Console;

namespace ViGoR.Cli.Pipeline;

/// <summary>Prints what the run decided per image.</summary>
internal static class SupervisionTable
{
    public static void Write(IReadOnlyList<SupervisionRecord> records, string journalPath)
    {
        var table = new Table().Border(TableBorder.Rounded)
            .AddColumn("image").AddColumn("status").AddColumn("chosen").AddColumn(new TableColumn("penalties (k samples)"))
            .AddColumn("dropped").AddColumn("target");
        foreach (var record in records.TakeLast(20))
        {
            var penalties = string.Join(" ", record.Samples.Select(s => s.CombinedPenalty is { } p ? p.ToString("0.##", System.Globalization.CultureInfo.InvariantCulture) : "-"));
            var dropped = string.Join(" | ", record.Dropped.Select(d => d.DescribeReasons()));
            var target = record.Target ?? record.Error ?? string.Empty;
            table.AddRow(
                Markup.Escape(record.ImageId),
                record.Status switch { SupervisionStatus.Ok => "[green]ok[/]", SupervisionStatus.NoTarget => "[yellow]no target[/]", _ => "[red]failed[/]" },
                record.Chosen?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "-",
                Markup.Escape(penalties),
                Markup.Escape(dropped.Length == 0 ? "-" : dropped),
                Markup.Escape(target.Length > 90 ? target[..90] + "..." : target));
        }

        AnsiConsole.Write(table);
        if (records.Count > 20)
        {
            AnsiConsole.MarkupLineInterpolated($"[grey](last 20 of {records.Count} images)[/]");
        }

        var ok = records.Count(r => r.Status == SupervisionStatus.Ok);
        var failed = records.Count(r => r.Status == SupervisionStatus.Failed);
        var sentences = records.Where(r => r.Chosen is not null).Sum(r => r.Samples[r.Chosen!.Value].Sentences.Count);
        var droppedCount = records.Sum(r => r.Dropped.Count);
        var unreadable = records.Sum(RejectionSamplingTrainer.CountUnreadable);
        var byStream = DropsByStream(records);
        AnsiConsole.MarkupLineInterpolated($"{ok} training examples, {records.Count - ok - failed} without target, {failed} failed; refinement dropped {droppedCount} of {sentences} chosen sentences{(byStream.Length == 0 ? string.Empty : $" ({byStream})")}{(unreadable == 0 ? string.Empty : $"; {unreadable} unreadable reward-model replies judged neutral")}. Journal: [blue]{journalPath}[/]");
    }

    /// <summary>How many dropped sentences each stream asked to drop, streams in name order: <c>automatic 3, vqa 1</c> (a sentence two streams drop counts for both).</summary>
    public static string DropsByStream(IEnumerable<SupervisionRecord> records) =>
        string.Join(", ", records.SelectMany(r => r.Dropped).SelectMany(d => d.Reasons.Keys)
            .GroupBy(name => name, StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => $"{g.Key} {g.Count()}"));
}
