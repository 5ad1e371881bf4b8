using System.ComponentModel;
using System.Globalization;
using System.Text.Json;
using Spectre.Console;
using Spectre.Console.Cli;

namespace ViGoR.Cli.Commands;

/// <summary>
/// <c>vigor annotations stats FILE [--images DIR] [--json]</c>: what an annotations file holds
/// (label balance, error kinds, sentences per description, creativity, detail), as tables or JSON.
/// </summary>
internal sealed class AnnotationsStatsCommand(IAnsiConsole console) : Command<AnnotationsStatsCommand.Settings>
{
    public sealed class Settings : AnnotationsSettings
    {
        [CommandOption("--json")]
        [Description("Print the statistics as one JSON object instead of tables.")]
        public bool Json { get; init; }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var stats = AnnotationStatistics.Of(Annotations.Read(settings.File, settings.Images).Descriptions);
        if (settings.Json)
        {
            // Raw, so that the console never wraps the JSON.
            console.Profile.Out.Writer.WriteLine(stats.ToJson());
            return 0;
        }

        var labels = new Table().Title($"Annotations: {Markup.Escape(settings.File)}").AddColumns("figure", "value");
        labels.AddRow("descriptions", $"{stats.Descriptions}");
        labels.AddRow("sentences", $"{stats.Sentences}");
        labels.AddRow("correct sentences", Share(stats.CorrectSentences, stats.Sentences));
        labels.AddRow("erroneous sentences", Share(stats.ErroneousSentences, stats.Sentences));
        labels.AddRow("descriptions with an error", Share(stats.DescriptionsWithError, stats.Descriptions));
        labels.AddRow("sentences per description (mean / min / max)", $"{EvalBranch.Number(stats.MeanSentencesPerDescription)} / {stats.MinSentencesPerDescription} / {stats.MaxSentencesPerDescription}");
        labels.AddRow("creative sentences", $"{EvalBranch.Percent(stats.CreativityRate)} %");
        console.Write(labels);

        var kinds = new Table().Title("Error kinds (sentences)").AddColumns("kind", "sentences");
        // The JSON form names the kinds as annotation files do (conjecture, not UnreasonableConjecture).
        using var json = JsonDocument.Parse(stats.ToJson());
        foreach (var kind in json.RootElement.GetProperty("error_kinds").EnumerateObject())
        {
            kinds.AddRow(Markup.Escape(kind.Name), Share(kind.Value.GetInt32(), stats.Sentences));
        }

        console.Write(kinds);
        var detail = new Table().Title("Detail (descriptions)").AddColumns("level", "descriptions");
        foreach (var (level, count) in stats.DetailHistogram)
        {
            detail.AddRow($"{level}", Share(count, stats.Descriptions));
        }

        detail.AddRow("not rated", Share(stats.Descriptions - stats.DetailHistogram.Values.Sum(), stats.Descriptions));
        console.Write(detail);
        return 0;
    }

    private static string Share(int count, int total) =>
        string.Create(CultureInfo.InvariantCulture, $"{count} ({(total == 0 ? "-" : EvalBranch.Percent((double)count / total))} %)");
}
