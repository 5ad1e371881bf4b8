using System.ComponentModel;
using Spectre.Console;
using Spectre.Console.Cli;
using ViGoR.Evaluation;

namespace ViGoR.Cli.Commands;

internal sealed class EvalMmeCommand : AsyncCommand<EvalMmeCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--results <DIR>")]
        [Description("Folder of <subtask>.txt files (image \\t question \\t ground truth \\t answer), as MME's eval_tool reads.")]
        public string? Results { get; init; }

        [CommandOption("--json <FILE>")]
        [Description("Write all figures as JSON.")]
        public string? Json { get; init; }

        public override ValidationResult Validate() =>
            Results is null ? ValidationResult.Error("--results DIR is required.") : ValidationResult.Success();
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var token = EvalBranch.Link(cancellationToken);
        var report = await MmeEvaluator.EvaluateFolderAsync(settings.Results!, token);
        var table = new Table().Title("MME").AddColumns("subtask", "score", "acc %", "acc+ %", "questions", "other answers");
        foreach (var (group, names) in new[] { ("perception", MmeEvaluator.PerceptionSubtasks), ("cognition", MmeEvaluator.CognitionSubtasks) })
        {
            foreach (var name in names.Where(report.Subtasks.ContainsKey))
            {
                var r = report.Subtasks[name];
                table.AddRow(name, EvalBranch.Number(r.Score), EvalBranch.Percent(r.Accuracy), EvalBranch.Percent(r.AccuracyPlus), $"{r.Questions}", $"{r.OtherAnswers}");
            }

            table.AddRow($"[bold]{group}[/]", $"[bold]{EvalBranch.Number(group == "perception" ? report.Perception : report.Cognition)}[/]", string.Empty, string.Empty, string.Empty, string.Empty);
        }

        AnsiConsole.Write(table);
        if (report.MissingSubtasks.Count > 0)
        {
            AnsiConsole.MarkupLineInterpolated($"[yellow]Missing subtasks (totals are partial):[/] {string.Join(", ", report.MissingSubtasks)}");
        }

        await EvalBranch.WriteJsonAsync(settings.Json, report.ToJson(), token);
        return 0;
    }
}
