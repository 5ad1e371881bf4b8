using System.ComponentModel;
using Spectre.Console;
using Spectre.Console.Cli;
using ViGoR.Evaluation;
using ViGoR.Torch;

namespace ViGoR.Cli.Commands;

internal sealed class EvalPopeCommand : AsyncCommand<EvalPopeCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--labels <PATH>")]
        [Description("A coco_pope_<split>.json label file or a folder of them.")]
        public string? Labels { get; init; }

        [CommandOption("--questions <FILE>")]
        [Description("LLaVA's question file (question_id, image, text, category).")]
        public string? Questions { get; init; }

        [CommandOption("--answers <FILE>")]
        [Description("The answer file to score (LLaVA's or POPE's format). With --model: where answers are written (resumed if it exists).")]
        public string? Answers { get; init; }

        [CommandOption("--model <DIR>")]
        [Description("Run this LLaVA folder on the questions first (greedy decoding).")]
        public string? Model { get; init; }

        [CommandOption("--images <DIR>")]
        [Description("COCO val2014 image folder (with --model).")]
        public string? Images { get; init; }

        [CommandOption("--max-new-tokens <N>")]
        [Description("Longest answer generated (with --model). Default 128, as LLaVA's POPE script.")]
        [DefaultValue(128)]
        public int MaxNewTokens { get; init; } = 128;

        [CommandOption("--strict-text")]
        [Description("Pair only by id or exact question text (no POPE-template object fallback).")]
        public bool StrictText { get; init; }

        [CommandOption("--show-unmatched <N>")]
        [Description("How many unmatched answers to list. Default 10.")]
        [DefaultValue(10)]
        public int ShowUnmatched { get; init; } = 10;

        [CommandOption("--json <FILE>")]
        [Description("Write all figures as JSON.")]
        public string? Json { get; init; }

        public override ValidationResult Validate()
        {
            if (Labels is null || Answers is null)
            {
                return ValidationResult.Error("--labels and --answers are required.");
            }

            if (Model is not null && (Images is null || Questions is null))
            {
                return ValidationResult.Error("--model needs --images COCO_DIR and --questions FILE.");
            }

            return ValidationResult.Success();
        }
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var token = EvalBranch.Link(cancellationToken);
        var questions = settings.Questions is null ? null : await PopeFiles.LoadQuestionsAsync(settings.Questions, token);
        if (settings.Model is not null)
        {
            await RunModelAsync(settings, questions!, token);
        }

        var labels = await PopeFiles.LoadLabelsAsync(settings.Labels!, cancellationToken: token);
        var answers = await PopeFiles.LoadAnswersAsync(settings.Answers!, token);
        var report = new PopeEvaluator(new PopeOptions { PairByTemplateObject = !settings.StrictText }).Evaluate(labels, answers, questions);
        Print(report, settings.ShowUnmatched);
        await EvalBranch.WriteJsonAsync(settings.Json, report.ToJson(), token);
        return report.Splits.Count > 0 && report.Splits.Values.Any(s => s.TruePositives + s.FalsePositives + s.TrueNegatives + s.FalseNegatives > 0) ? 0 : 1;
    }

    private static async Task RunModelAsync(Settings settings, IReadOnlyList<PopeQuestion> questions, CancellationToken token)
    {
        if (!Directory.Exists(settings.Images))
        {
            throw new DirectoryNotFoundException($"Image folder '{settings.Images}' does not exist.");
        }

        AnsiConsole.MarkupLineInterpolated($"Loading LLaVA from [blue]{settings.Model}[/]...");
        using var model = LlavaVisionLanguageModel.Load(settings.Model!);
        var options = new PopeRunnerOptions
        {
            Sampling = new SamplingOptions { Temperature = 0, NumSamples = 1, MaxNewTokens = settings.MaxNewTokens },
            ModelId = Path.GetFileName(Path.TrimEndingDirectorySeparator(settings.Model!)),
        };
        var runner = new PopeRunner(model, PopeRunner.ImagesFromFolder(settings.Images!), options);
        var answered = await EvalBranch.WithProgressAsync("POPE questions", async tick =>
            await runner.RunAsync(questions, settings.Answers!, new Progress<PopeRunProgress>(p => tick(p.Answered, p.Total)), token));
        AnsiConsole.MarkupLineInterpolated($"{answered} new answers written to [blue]{settings.Answers}[/].");
    }

    private static void Print(PopeReport report, int showUnmatched)
    {
        var table = new Table().Title("POPE (accuracy, precision, recall, F1, yes ratio in %)").AddColumns("split", "TP", "FP", "TN", "FN", "Acc", "Prec", "Rec", "F1", "Yes", "unmatched answers", "unanswered labels");
        foreach (var (split, r) in report.Splits)
        {
            table.AddRow(Row(split, r));
        }

        if (report.Average is { } average && report.Splits.Count > 1)
        {
            table.AddRow(Row("average", average));
        }

        AnsiConsole.Write(table);
        var pairs = report.Average?.PairedBy;
        if (pairs is not null)
        {
            AnsiConsole.MarkupLineInterpolated($"Paired by id: {pairs.ById}, by text: {pairs.ByText}, by template object: {pairs.ByObject}, by checked order: {pairs.ByCheckedOrder}.");
        }

        if (report.UnassignedAnswers > 0)
        {
            AnsiConsole.MarkupLineInterpolated($"[yellow]{report.UnassignedAnswers} answers belong to no loaded split[/] (unknown question id or no label file for their split).");
        }

        foreach (var u in report.UnmatchedDetails.Take(showUnmatched))
        {
            AnsiConsole.MarkupLineInterpolated($"[grey]unmatched: {u.Source}, line {u.Line}: {u.Reason}[/]");
        }

        if (report.UnmatchedDetails.Count > showUnmatched)
        {
            AnsiConsole.MarkupLineInterpolated($"[grey]... and {report.UnmatchedDetails.Count - showUnmatched} more (all listed in --json).[/]");
        }
    }

    // One decimal, as papers print POPE; the JSON keeps full precision.
    private static string P(double fraction) => EvalBranch.Number(fraction * 100, "0.0");

    private static string[] Row(string name, PopeSplitResult r) =>
    [
        name, $"{r.TruePositives}", $"{r.FalsePositives}", $"{r.TrueNegatives}", $"{r.FalseNegatives}",
        P(r.Accuracy), P(r.Precision), P(r.Recall), P(r.F1), P(r.YesRatio),
        $"{r.UnmatchedAnswers}", $"{r.UnansweredLabels}",
    ];
}
