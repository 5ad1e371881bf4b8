using System.ComponentModel;
using Microsoft.Extensions.Logging;
using Spectre.Console;
using Spectre.Console.Cli;
using ViGoR.Annotation.Web;

namespace ViGoR.Cli.Commands;

/// <summary>
/// <c>vigor annotate</c>: serves the labelling page for one annotator on 127.0.0.1 until Ctrl+C;
/// every label is on disk before the page says it is saved, and a rerun resumes.
/// </summary>
internal sealed class AnnotateCommand(IAnsiConsole console) : AsyncCommand<AnnotateCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--samples <FILE>")]
        [Description("Recorded samples to label (the vigor generate format: image, prompt, samples).")]
        public string? Samples { get; init; }

        [CommandOption("--journal <FILE>")]
        [Description("A scores or supervision journal to label; with --assist its detector and reward-model signals are shown.")]
        public string? Journal { get; init; }

        [CommandOption("--images <DIR>")]
        [Description("Folder the images' paths are relative to; nothing outside it is served.")]
        public string Images { get; init; } = string.Empty;

        [CommandOption("--out <FILE>")]
        [Description("The annotator's labels (docs/annotations.md); appended to and resumed, never rewritten.")]
        public string Out { get; init; } = string.Empty;

        [CommandOption("--annotator <NAME>")]
        [Description("The annotator's name, shown with the progress. One output per annotator.")]
        public string Annotator { get; init; } = string.Empty;

        [CommandOption("--port <N>")]
        [Description("Port to listen on (default 8765; 0 picks a free one).")]
        [DefaultValue(8765)]
        public int Port { get; init; } = 8765;

        [CommandOption("--host <ADDRESS>")]
        [Description("Address to listen on (default 127.0.0.1). Any non-loopback address needs --token.")]
        [DefaultValue("127.0.0.1")]
        public string Host { get; init; } = "127.0.0.1";

        [CommandOption("--token <T>")]
        [Description("A secret every request must carry (open the printed address, which has it once).")]
        public string? Token { get; init; }

        [CommandOption("--assist")]
        [Description("Show the detector's found/missing objects and the reward model's judgement per sentence (off by default: it anchors the annotator).")]
        public bool Assist { get; init; }

        [CommandOption("--assign <I/N>")]
        [Description("Label only annotator I's share of N (1-based), plus the overlap everyone labels.")]
        public string? Assign { get; init; }

        [CommandOption("--overlap <FRACTION>")]
        [Description("With --assign: the share of descriptions every annotator labels, for agreement (default 0.1).")]
        [DefaultValue(0.1)]
        public double Overlap { get; init; } = 0.1;

        public override ValidationResult Validate()
        {
            if ((Samples is null) == (Journal is null))
            {
                return ValidationResult.Error("Give exactly one of --samples FILE and --journal FILE.");
            }

            if ((Samples ?? Journal) is { } input && !File.Exists(input))
            {
                return ValidationResult.Error($"'{input}' does not exist.");
            }

            if (!Directory.Exists(Images))
            {
                return ValidationResult.Error($"--images: '{Images}' does not exist.");
            }

            if (Out.Length == 0 || Annotator.Length == 0)
            {
                return ValidationResult.Error("--out FILE and --annotator NAME are required.");
            }

            return Overlap is < 0 or > 1 ? ValidationResult.Error("--overlap must be between 0 and 1.") : ValidationResult.Success();
        }
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var items = settings.Samples is not null ? AnnotationWorkItems.ReadSamples(settings.Samples) : AnnotationWorkItems.ReadJournal(settings.Journal!, settings.Images);
        if (settings.Assign is not null)
        {
            var (annotator, annotators) = AnnotationWorkItems.ParseAssignment(settings.Assign);
            items = AnnotationWorkItems.Assign(items, annotator, annotators, settings.Overlap);
        }

        using var loggerFactory = LoggerFactory.Create(b => b.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning));
        var tool = new AnnotationToolOptions
        {
            Items = items,
            ImagesDirectory = settings.Images,
            OutputPath = settings.Out,
            Annotator = settings.Annotator,
            Assist = settings.Assist,
            Token = settings.Token,
        };
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, CliHost.CancellationToken);
        await using var server = await AnnotationServer.StartAsync(tool, new AnnotationServerOptions { Host = settings.Host, Port = settings.Port }, loggerFactory, stop.Token);
        console.MarkupLineInterpolated($"[green]{settings.Annotator}[/]: {server.Tool.Done} of {items.Count} descriptions labelled in {settings.Out}.");

        // Raw, so the address is never wrapped and a script can read it.
        console.Profile.Out.Writer.WriteLine($"Open {server.Url}");
        console.MarkupLine("Ctrl+C stops; every label the page reported saved is on disk, and the same command resumes.");
        await server.WaitAsync(stop.Token);
        return 0;
    }
}
