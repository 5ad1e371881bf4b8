using System.ComponentModel;
using System.Globalization;
using Spectre.Console;
using Spectre.Console.Cli;
using ViGoR.Cli.Demo.TinyModel;
using ViGoR.Cli.Pipeline;

namespace ViGoR.Cli.Commands;

/// <summary>
/// <c>vigor pretrain</c>: pre-trains the tiny ShapesWorld LLaVA that <c>vigor demo</c> starts from — the
/// command that made the committed <c>Demo/Model</c> folder. Resumable after Ctrl+C.
/// </summary>
internal sealed class PretrainCommand : AsyncCommand<PretrainCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--out <DIR>")]
        [Description("The model folder to write (llava-hf layout). Default ./shapesworld-llava.")]
        public string Out { get; init; } = "shapesworld-llava";

        [CommandOption("--scenes <N>")]
        [Description("Pre-training scenes (each gives a caption and two yes/no questions), each seen once: fresh scenes generalise better than repeated ones. Default 40000.")]
        public int Scenes { get; init; } = new PretrainingSettings().Scenes;

        [CommandOption("--epochs <N>")]
        [Description("Passes over the corpus. Default 1.")]
        public int Epochs { get; init; } = new PretrainingSettings().Epochs;

        [CommandOption("--hallucination <FRACTION>")]
        [Description("Fraction of captions that also name an absent, co-occurring object (0-1). Default 0.6: the base then meets LLaVA's published profile on the validation split (docs/demo.md).")]
        public double Hallucination { get; init; } = new PretrainingSettings().HallucinationRate;

        [CommandOption("--vision-steps <N>")]
        [Description("Steps of the \"CLIP\" stage, which trains the vision tower on clean ground truth (32 fresh scenes a step) before it is frozen. Default 6000.")]
        public int VisionSteps { get; init; } = new VisionPretrainingSettings().Steps;

        [CommandOption("--vision-only")]
        [Description("Stop after the \"CLIP\" stage (its probe is in vision_pretraining.json); the same command without it goes on with the LLaVA stage.")]
        public bool VisionOnly { get; init; }

        [CommandOption("--tower-from <DIR>")]
        [Description("Take the CLIP stage's tower from a folder pre-trained with the same tower settings instead of training it again (the tower is frozen afterwards, so the result is the same): to calibrate the LLaVA stage alone.")]
        public string? TowerFrom { get; init; }

        [CommandOption("--seed <S>")]
        [Description("Seeds initialisation, the corpus noise and the batch order. Default 7.")]
        public int Seed { get; init; } = new PretrainingSettings().Seed;

        public override ValidationResult Validate() =>
            Scenes < 1 ? ValidationResult.Error("--scenes must be at least 1.")
            : Epochs < 1 ? ValidationResult.Error("--epochs must be at least 1.")
            : VisionSteps < 1 ? ValidationResult.Error("--vision-steps must be at least 1.")
            : Hallucination is < 0 or > 1 ? ValidationResult.Error("--hallucination must be in [0, 1].")
            : ValidationResult.Success();
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var token = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, CliHost.CancellationToken).Token;
        var pretraining = new PretrainingSettings { Scenes = settings.Scenes, Epochs = settings.Epochs, HallucinationRate = settings.Hallucination, Seed = settings.Seed, Vision = new VisionPretrainingSettings { Steps = settings.VisionSteps } };
        var vision = new SyncProgress<(int Step, int Total, double Loss)>(p =>
        {
            if (p.Step % 100 == 0 || p.Step == p.Total)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"vision stage step {p.Step}/{p.Total} loss {p.Loss:F4}"));
            }
        });
        FineTuningResult? result = null;
        await ProgressDisplay.RunAsync(async (_, training) => result = await ShapesWorldPretraining.RunAsync(settings.Out, pretraining, settings.VisionOnly, vision, training, token, settings.TowerFrom));
        if (result is null)
        {
            AnsiConsole.MarkupLineInterpolated($"Vision stage done: {Path.Combine(settings.Out, ShapesWorldPretraining.VisionStageFileName)} has its probe.");
        }
        else
        {
            AnsiConsole.MarkupLineInterpolated(CultureInfo.InvariantCulture, $"Pre-trained {settings.Out}: {result.Steps} steps, final loss {result.FinalLoss:F4}.");
        }
        return 0;
    }
}
