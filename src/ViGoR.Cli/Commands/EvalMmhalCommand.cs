using System.ComponentModel;
using Spectre.Console;
using Spectre.Console.Cli;
using ViGoR.Evaluation;

namespace ViGoR.Cli.Commands;

internal sealed class EvalMmhalCommand : AsyncCommand<EvalMmhalCommand.Settings>
{
    public sealed class Settings : JudgeSettings
    {
        [CommandOption("--responses <FILE>")]
        [Description("MMHal-Bench response file: a JSON array with image_content, question, gt_answer, model_answer (and question_type).")]
        public string? Responses { get; init; }

        [CommandOption("--exclude-failures")]
        [Description("Leave records without a rating out of the figures (LLaVA-RLHF counts them as 0).")]
        public bool ExcludeFailures { get; init; }

        public override ValidationResult Validate() =>
            Responses is null ? ValidationResult.Error("--responses FILE is required.") : base.Validate();
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var token = EvalBranch.Link(cancellationToken);
        return await settings.RunJudgedAsync(async () =>
        {
            var records = await MmhalScorer.LoadResponsesAsync(settings.Responses!, token);
            if (records.Count != 96)
            {
                AnsiConsole.MarkupLineInterpolated($"[yellow]warning:[/] {records.Count} records; MMHal-Bench has 96.");
            }

            using var judge = settings.CreateJudge();
            var scorer = new MmhalScorer(judge, new MmhalOptions
            {
                MaxAttempts = settings.MaxAttempts,
                FailuresCountAsZero = !settings.ExcludeFailures,
                JournalPath = settings.Journal,
            });
            var report = await EvalBranch.WithProgressAsync("Rating", tick =>
                scorer.ScoreAsync(records, new Progress<JudgeProgress>(p => tick(p.Done, p.Total)), token));

            var table = new Table().Title("MMHal-Bench").AddColumns("average score (0-6)", "hallucination rate", "rated", "failures");
            table.AddRow(EvalBranch.Number(report.AverageScore), EvalBranch.Number(report.HallucinationRate), $"{report.Rated}", $"{report.Failures}{(report.FailuresCountAsZero && report.Failures > 0 ? " (as 0)" : string.Empty)}");
            AnsiConsole.Write(table);
            if (report.AverageScoreByType.Count > 0)
            {
                var byType = new Table().Title("Average score by question type");
                foreach (var type in report.AverageScoreByType.Keys)
                {
                    byType.AddColumn(type);
                }

                byType.AddRow(report.AverageScoreByType.Values.Select(v => EvalBranch.Number(v)).ToArray());
                AnsiConsole.Write(byType);
            }

            await EvalBranch.WriteJsonAsync(settings.Json, report.ToJson(), token);
            return report.Rated > 0 ? 0 : 1;
        });
    }
}
