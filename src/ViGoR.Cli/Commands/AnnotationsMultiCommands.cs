using System.ComponentModel;
using System.Globalization;
using Spectre.Console;
using Spectre.Console.Cli;

namespace ViGoR.Cli.Commands;

/// <summary>Several annotators' files, each read with the validator of <c>annotations validate</c>.</summary>
internal class AnnotatorFilesSettings : CommandSettings
{
    [CommandArgument(0, "<FILES>")]
    [Description("One annotations file per annotator (docs/annotations.md).")]
    public string[] Files { get; init; } = [];

    public IReadOnlyList<IReadOnlyList<AnnotatedDescription>> Read() => [.. Files.Select(f => Annotations.Read(f).Descriptions)];

    public override ValidationResult Validate() =>
        Files.FirstOrDefault(f => !File.Exists(f)) is { } missing ? ValidationResult.Error($"'{missing}' does not exist.") : ValidationResult.Success();
}

/// <summary><c>vigor annotations agreement A B ...</c>: sentence-level agreement and Cohen's or Fleiss' kappa, overall and per error kind.</summary>
internal sealed class AnnotationsAgreementCommand(IAnsiConsole console) : Command<AnnotationsAgreementCommand.Settings>
{
    public sealed class Settings : AnnotatorFilesSettings
    {
        [CommandOption("--json")]
        [Description("Print one JSON object instead of a table (an undefined kappa is null).")]
        public bool Json { get; init; }

        public override ValidationResult Validate() => Files.Length < 2 ? ValidationResult.Error("Give at least two annotators' files.") : base.Validate();
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var agreement = AnnotationAgreement.Of(settings.Read());
        if (settings.Json)
        {
            console.Profile.Out.Writer.WriteLine(agreement.ToJson());
            return 0;
        }

        var measure = agreement.Measure == "cohen" ? "Cohen's kappa" : "Fleiss' kappa";
        console.MarkupLineInterpolated($"{agreement.Annotators} annotators, {agreement.Descriptions} descriptions in common, {agreement.Sentences} sentences compared ({agreement.UnalignedSentences} labelled sentences split differently, not compared).");
        var table = new Table().AddColumns("question", "observed agreement", measure);
        table.AddRow("has an error", Number(agreement.Overall.Observed), Number(agreement.Overall.Kappa));
        foreach (var (kind, figure) in agreement.ErrorKinds)
        {
            table.AddRow(SentenceErrorKindNames.ToName(kind)!, Number(figure.Observed), Number(figure.Kappa));
        }

        console.Write(table);
        return 0;
    }

    private static string Number(double value) => double.IsNaN(value) ? "undefined" : value.ToString("0.000", CultureInfo.InvariantCulture);
}

/// <summary><c>vigor annotations merge A B ... --out FILE</c>: the majority, with ties listed for adjudication.</summary>
internal sealed class AnnotationsMergeCommand(IAnsiConsole console) : Command<AnnotationsMergeCommand.Settings>
{
    public sealed class Settings : AnnotatorFilesSettings
    {
        [CommandOption("--out <FILE>")]
        [Description("The merged annotations.")]
        public string Out { get; init; } = string.Empty;

        [CommandOption("--ties <FILE>")]
        [Description("Where to list the ties, one a line (default: the output with .ties.txt).")]
        public string? Ties { get; init; }

        public override ValidationResult Validate() => Out.Length == 0 ? ValidationResult.Error("--out FILE is required.") : base.Validate();
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var merged = AnnotationMerge.Majority(settings.Read());
        AtomicFile.Write(settings.Out, stream =>
        {
            foreach (var description in merged.Descriptions)
            {
                stream.Write(Annotations.ToJsonLine(description));
            }
        });
        var ties = settings.Ties ?? Path.ChangeExtension(settings.Out, ".ties.txt");
        AtomicFile.WriteAllLines(ties, merged.Ties.Select(t => t.ToString()));
        foreach (var tie in merged.Ties)
        {
            console.Profile.Out.Writer.WriteLine(tie.ToString());
        }

        console.MarkupLineInterpolated($"Merged {settings.Files.Length} annotators into {merged.Descriptions.Count} descriptions in [blue]{settings.Out}[/]; {merged.Ties.Count} ties to adjudicate in [blue]{ties}[/].");
        return 0;
    }
}

/// <summary>The interchange formats of <c>annotations import|export</c>.</summary>
internal sealed class InterchangeSettings : CommandSettings
{
    [CommandArgument(0, "<FILE>")]
    [Description("The file to convert.")]
    public string File { get; init; } = string.Empty;

    [CommandOption("--format <FORMAT>")]
    [Description("The other format: mhal (M-HalDetect-style spans: start, end, text, label).")]
    public string Format { get; init; } = string.Empty;

    [CommandOption("--out <FILE>")]
    [Description("The file to write.")]
    public string Out { get; init; } = string.Empty;

    public override ValidationResult Validate()
    {
        if (!System.IO.File.Exists(File))
        {
            return ValidationResult.Error($"'{File}' does not exist.");
        }

        if (Format != "mhal")
        {
            return ValidationResult.Error($"--format: '{Format}' is not a known format (expected mhal).");
        }

        return Out.Length == 0 ? ValidationResult.Error("--out FILE is required.") : ValidationResult.Success();
    }
}

/// <summary><c>vigor annotations export FILE --format mhal --out FILE</c>.</summary>
internal sealed class AnnotationsExportCommand(IAnsiConsole console) : Command<InterchangeSettings>
{
    public override int Execute(CommandContext context, InterchangeSettings settings, CancellationToken cancellationToken)
    {
        var descriptions = Annotations.Read(settings.File).Descriptions;
        AtomicFile.WriteAllText(settings.Out, MhalSpans.Export(descriptions));
        console.MarkupLineInterpolated($"Wrote {descriptions.Count} descriptions as M-HalDetect spans to [blue]{settings.Out}[/].");
        return 0;
    }
}

/// <summary><c>vigor annotations import FILE --format mhal --out FILE</c>; the result is validated before it is written.</summary>
internal sealed class AnnotationsImportCommand(IAnsiConsole console) : Command<InterchangeSettings>
{
    public override int Execute(CommandContext context, InterchangeSettings settings, CancellationToken cancellationToken)
    {
        var descriptions = MhalSpans.Import(System.IO.File.ReadAllText(settings.File), settings.File);
        AtomicFile.Write(settings.Out, stream =>
        {
            foreach (var description in descriptions)
            {
                stream.Write(Annotations.ToJsonLine(description));
            }
        });
        console.MarkupLineInterpolated($"Imported {descriptions.Count} descriptions into [blue]{settings.Out}[/].");
        return 0;
    }
}
