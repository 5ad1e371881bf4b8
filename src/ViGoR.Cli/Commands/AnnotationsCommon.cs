using System.ComponentModel;
using Spectre.Console;
using Spectre.Console.Cli;

namespace ViGoR.Cli.Commands;

/// <summary>The <c>vigor annotations</c> branch: check and summarise fine-grained reward-model annotations.</summary>
internal static class AnnotationsBranch
{
    public static void Configure(IConfigurator<CommandSettings> annotations)
    {
        annotations.SetDescription("Check and summarise per-sentence human annotations, the reward model's training data (docs/annotations.md).");
        annotations.AddCommand<AnnotationsValidateCommand>("validate").WithDescription("Check an annotations file: every problem with its file, line and field.");
        annotations.AddCommand<AnnotationsStatsCommand>("stats").WithDescription("Label balance, error kinds, sentences per description, creativity and detail of an annotations file.");
        annotations.AddCommand<AnnotationsAgreementCommand>("agreement").WithDescription("Sentence-level agreement of two or more annotators: Cohen's (two) or Fleiss' (three or more) kappa, overall and per error kind.");
        annotations.AddCommand<AnnotationsMergeCommand>("merge").WithDescription("Merge several annotators' files by majority; ties are listed for adjudication.");
        annotations.AddCommand<AnnotationsExportCommand>("export").WithDescription("Write annotations in another format: --format mhal (M-HalDetect-style spans).");
        annotations.AddCommand<AnnotationsImportCommand>("import").WithDescription("Read annotations from another format (--format mhal) and write them validated.");
    }
}

/// <summary>The file and images folder both annotations verbs take.</summary>
internal class AnnotationsSettings : CommandSettings
{
    [CommandArgument(0, "<FILE>")]
    [Description("Annotations in JSON Lines, one described image a line (docs/annotations.md).")]
    public string File { get; init; } = string.Empty;

    [CommandOption("--images <DIR>")]
    [Description("Folder the images' paths are relative to; when given, every image must exist.")]
    public string? Images { get; init; }

    public override ValidationResult Validate()
    {
        if (!System.IO.File.Exists(File))
        {
            return ValidationResult.Error($"'{File}' does not exist.");
        }

        return Images is null || Directory.Exists(Images) ? ValidationResult.Success() : ValidationResult.Error($"--images: '{Images}' does not exist.");
    }
}
