using System.ComponentModel;
using Spectre.Console;
using Spectre.Console.Cli;

namespace ViGoR.Cli.Commands;

/// <summary>
/// <c>vigor annotations validate FILE [--images DIR] [--skip-invalid]</c>: lists every problem of an
/// annotations file as "file, line N, field: message" and a summary; exit code 0 when the file is
/// valid, 1 when it has problems.
/// </summary>
internal sealed class AnnotationsValidateCommand(IAnsiConsole console) : Command<AnnotationsValidateCommand.Settings>
{
    public sealed class Settings : AnnotationsSettings
    {
        [CommandOption("--skip-invalid")]
        [Description("Also report how many descriptions are valid once the invalid lines are skipped (every problem is listed either way).")]
        public bool SkipInvalid { get; init; }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        // Always collect every problem: a validator that stops at the first one makes users run it once per mistake.
        var file = Annotations.Read(settings.File, settings.Images, skipInvalid: true);
        foreach (var problem in file.Problems)
        {
            // Raw, one line each, so that the console never wraps them and grep finds them whole.
            console.Profile.Out.Writer.WriteLine(problem.ToString());
        }

        var sentences = file.Descriptions.Sum(d => d.Sentences.Count);
        if (file.Problems.Count == 0)
        {
            console.MarkupLineInterpolated($"[green]valid:[/] {Count(file.Descriptions.Count, "description")}, {Count(sentences, "sentence")} in {settings.File}.");
            return 0;
        }

        var lines = file.Problems.Select(p => p.Line).Distinct().Count();
        console.MarkupLineInterpolated($"[red]invalid:[/] {Count(file.Problems.Count, "problem")} on {Count(lines, "line")} of {settings.File}.");
        if (settings.SkipInvalid)
        {
            console.MarkupLineInterpolated($"With the invalid lines skipped, {file.Descriptions.Count} of {file.Descriptions.Count + lines} descriptions are valid ({Count(sentences, "sentence")}).");
        }

        return 1;
    }

    private static string Count(int n, string noun) => $"{n} {noun}{(n == 1 ? string.Empty : "s")}";
}
