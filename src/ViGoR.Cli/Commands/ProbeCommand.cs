using System.ComponentModel;
using System.Globalization;
using System.Text.Json;
using Spectre.Console;
using Spectre.Console.Cli;
using ViGoR.Cli.Demo.TinyModel;
using ViGoR.ShapesWorld;
using ViGoR.Torch;

namespace ViGoR.Cli.Commands;

/// <summary>
/// <c>vigor probe</c>: the test bed's vision diagnostic. Fits a linear probe per category on a model's
/// frozen, pooled vision features of ShapesWorld scenes and reports held-out ROC AUC: whether the tower
/// can see what the decoder is later asked to name.
/// </summary>
internal sealed class ProbeCommand : AsyncCommand<ProbeCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--model <DIR>")]
        [Description("A LLaVA folder whose vision tower reads ShapesWorld's image size (default: the demo's committed model).")]
        public string? Model { get; init; }

        [CommandOption("--fit-seed <N>")]
        [Description("ShapesWorld seed of the scenes the probes are fitted on. Default 201 (the demo's annotation split).")]
        public int FitSeed { get; init; } = 201;

        [CommandOption("--test-seed <N>")]
        [Description("ShapesWorld seed of the held-out scenes. Default 204 (the demo's validation split).")]
        public int TestSeed { get; init; } = 204;

        [CommandOption("--train <N>")]
        [Description("Scenes the probes are fitted on. Default 600.")]
        public int Train { get; init; } = 600;

        [CommandOption("--test <N>")]
        [Description("Held-out scenes the probes are scored on. Default 100.")]
        public int Test { get; init; } = 100;

        [CommandOption("--json")]
        [Description("Print the result as JSON (per-category AUC, mean, min).")]
        public bool Json { get; init; }

        public override ValidationResult Validate() =>
            Train < 10 || Test < 10 ? ValidationResult.Error("--train and --test must be at least 10.") : ValidationResult.Success();
    }

    public override Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var folder = settings.Model ?? DemoCommand.CommittedModel;
        using var model = LlavaVisionLanguageModel.Load(folder, new LlavaModelOptions { Device = TorchSharp.torch.CPU });
        var result = Probe(model, settings.FitSeed, settings.Train, settings.TestSeed, settings.Test);
        if (settings.Json)
        {
            Console.WriteLine(JsonSerializer.Serialize(new { per_category = result.PerCategory, mean = result.Mean, min = result.Min }));
            return Task.FromResult(0);
        }

        var table = new Table().AddColumns("category", "ROC AUC");
        foreach (var (category, auc) in result.PerCategory)
        {
            table.AddRow(category, auc.ToString("F3", CultureInfo.InvariantCulture));
        }

        AnsiConsole.Write(table);
        AnsiConsole.MarkupLineInterpolated(CultureInfo.InvariantCulture, $"{folder}: mean ROC AUC {result.Mean:F3}, lowest {result.Min:F3}.");
        return Task.FromResult(0);
    }

    /// <summary>The probe of <paramref name="model"/>'s tower, fitted on <paramref name="train"/> scenes of seed <paramref name="fitSeed"/> and scored on <paramref name="test"/> of seed <paramref name="testSeed"/>.</summary>
    public static ProbeResult Probe(LlavaVisionLanguageModel model, int fitSeed, int train, int testSeed, int test)
    {
        int size = model.Config.Vision.ImageSize;
        var fit = Enumerable.Range(0, train).Select(i => ShapesWorldGenerator.Generate(fitSeed, i, size)).ToList();
        var held = Enumerable.Range(0, test).Select(i => ShapesWorldGenerator.Generate(testSeed, i, size)).ToList();
        return VisionTowerPretraining.Probe(model, fit, held);
    }
}
