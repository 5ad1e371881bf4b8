using System.ComponentModel;
using System.Reflection;
using Spectre.Console;
using Spectre.Console.Cli;
using ViGoR.Cli.Pipeline;

namespace ViGoR.Cli.Commands;

/// <summary>
/// <c>vigor demo</c>: the ViGoR supervision pipeline on the embedded default — five real LVLM
/// descriptions of each of three COCO images, checked against the images' ground-truth boxes.
/// </summary>
internal sealed class DemoCommand : AsyncCommand<DemoCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--out <DIR>")]
        [Description("Folder for the demo inputs and the supervision journal (default ./vigor-demo).")]
        public string Out { get; init; } = "vigor-demo";

        [CommandOption("--check-counts")]
        [Description("Also penalise stated counts that the boxes contradict.")]
        public bool CheckCounts { get; init; }
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(settings.Out);
        var samples = Extract("demo_samples.jsonl", settings.Out);
        var boxes = Extract("demo_boxes.jsonl", settings.Out);
        AnsiConsole.MarkupLine("[grey]Embedded default: 5 real descriptions (LLaVA-13B x2, MiniGPT-4, mPLUG-Owl, InstructBLIP) of 3 COCO images, ground-truth boxes as the detector, WordNet nouns, automatic reward (ViGoR-AT). See Demo/NOTICE.md for sources.[/]");
        var run = new RunCommand.Settings
        {
            Samples = samples,
            Annotations = boxes,
            Work = settings.Out,
            SupervisionOnly = true,
            CheckCounts = settings.CheckCounts,
        };
        var token = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, CliHost.CancellationToken).Token;
        var result = await PipelineRunner.RunAsync(run, token);
        AnsiConsole.MarkupLineInterpolated($"Same run with your own data: [blue]vigor run --samples {samples} --annotations {boxes} --work {settings.Out}[/]");
        return result.Records.Any(r => r.Status == SupervisionStatus.Ok) ? 0 : 1;
    }

    private static string Extract(string name, string folder)
    {
        var path = Path.Combine(folder, name);
        using var resource = Assembly.GetExecutingAssembly().GetManifestResourceStream($"ViGoR.Cli.Demo.{name}")
            ?? throw new InvalidOperationException($"Embedded demo file '{name}' is missing from the vigor tool.");
        using var file = File.Create(path);
        resource.CopyTo(file);
        return path;
    }
}
