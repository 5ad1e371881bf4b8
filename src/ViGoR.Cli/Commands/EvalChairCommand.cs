using System.ComponentModel;
using Spectre.Console;
using Spectre.Console.Cli;
using ViGoR.Evaluation;

namespace ViGoR.Cli.Commands;

internal sealed class EvalChairCommand : AsyncCommand<EvalChairCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--captions <FILE>")]
        [Description("Captions to score: JSON Lines with image_id (or image) and text (or caption), a JSON array of such objects, or CHAIR's imgToEval JSON.")]
        public string? Captions { get; init; }

        [CommandOption("--instances <FILE>")]
        [Description("COCO instance annotations (instances_val2014.json).")]
        public string? Instances { get; init; }

        [CommandOption("--coco-captions <FILE>")]
        [Description("COCO reference captions (captions_val2014.json): their objects join the ground truth, as in CHAIR.")]
        public string? CocoCaptions { get; init; }

        [CommandOption("--caps-boxes <FILE>")]
        [Description("LLaVA's caps_boxes JSON Lines (boxes and human captions).")]
        public string? CapsBoxes { get; init; }

        [CommandOption("--boxes-only")]
        [Description("With --caps-boxes: use only the boxes, not the objects its human captions mention.")]
        public bool BoxesOnly { get; init; }

        [CommandOption("--json <FILE>")]
        [Description("Write all figures and per-caption details as JSON.")]
        public string? Json { get; init; }

        public override ValidationResult Validate()
        {
            if (Captions is null)
            {
                return ValidationResult.Error("--captions FILE is required.");
            }

            if (Instances is null && CapsBoxes is null)
            {
                return ValidationResult.Error("Give ground truth: --instances FILE (COCO) and/or --caps-boxes FILE (LLaVA).");
            }

            return CocoCaptions is not null && Instances is null
                ? ValidationResult.Error("--coco-captions adds to --instances; give --instances too.")
                : ValidationResult.Success();
        }
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var token = EvalBranch.Link(cancellationToken);
        var extractor = new ChairObjectExtractor();
        var truth = new ChairGroundTruth();
        if (settings.Instances is not null)
        {
            await truth.LoadCocoInstancesAsync(settings.Instances, cancellationToken: token);
        }

        if (settings.CocoCaptions is not null)
        {
            await truth.LoadCocoCaptionsAsync(settings.CocoCaptions, extractor, token);
        }

        if (settings.CapsBoxes is not null)
        {
            await truth.LoadCapsBoxesAsync(settings.CapsBoxes, settings.BoxesOnly ? null : extractor, cancellationToken: token);
        }

        var captions = await ChairEvaluator.LoadCaptionsAsync(settings.Captions!, token);
        var report = new ChairEvaluator(extractor).Evaluate(captions, truth, includeDetails: settings.Json is not null);

        var table = new Table().Title("CHAIR").AddColumns("CHAIRs %", "CHAIRi %", "recall %", "captions", "object mentions", "hallucinated mentions", "mentions / caption");
        table.AddRow(
            EvalBranch.Percent(report.ChairS), EvalBranch.Percent(report.ChairI), EvalBranch.Percent(report.Recall),
            $"{report.Captions}", $"{report.Mentions}", $"{report.HallucinatedMentions}", EvalBranch.Number(report.MentionsPerCaption));
        AnsiConsole.Write(table);
        if (report.CaptionsWithoutGroundTruth.Count > 0)
        {
            AnsiConsole.MarkupLineInterpolated($"[yellow]{report.CaptionsWithoutGroundTruth.Count} captions skipped: no ground truth for their image[/] (first: {report.CaptionsWithoutGroundTruth[0]}).");
        }

        await EvalBranch.WriteJsonAsync(settings.Json, report.ToJson(), token);
        return report.Captions > 0 ? 0 : 1;
    }
}
