using System.Text.Json;
using ViGoR.ShapesWorld;
using ViGoR.Torch;
using ViGoR.Torch.Training;

namespace ViGoR.Cli.Demo.TinyModel;

/// <summary>Settings of the tiny model's pre-training; all of them are recorded in the model folder's <c>pretraining.json</c>.</summary>
internal sealed record PretrainingSettings
{
    /// <summary>The ShapesWorld seed of the pre-training scenes (the demo's splits use other seeds).</summary>
    public int WorldSeed { get; init; } = 100;

    public int Scenes { get; init; } = 40000;

    /// <summary>Fraction of captions that also name an absent, co-occurring object.</summary>
    public double HallucinationRate { get; init; } = 0.4;

    public int Epochs { get; init; } = 1;

    public double LearningRate { get; init; } = 1e-3;

    public int BatchSize { get; init; } = 32;

    public int Seed { get; init; } = 7;

    public TinyLlavaShape Shape { get; init; } = new();

    /// <summary>The "CLIP" stage that trains the vision tower on clean labels before it is frozen.</summary>
    public VisionPretrainingSettings Vision { get; init; } = new();
}

/// <summary>
/// Pre-trains the demo's base model from scratch, in LLaVA's two steps: writes a tiny llava-hf folder
/// (config, SentencePiece tokenizer of ShapesWorld's words) and initialises it; the "CLIP" stage
/// (<see cref="VisionTowerPretraining"/>) trains the vision tower on clean ground truth; then, with the
/// tower frozen as LLaVA freezes CLIP, the projector and decoder are trained through
/// <see cref="LlavaVisionLanguageModel.FineTuneAsync"/> on ShapesWorld captions and yes/no questions of
/// which <see cref="PretrainingSettings.HallucinationRate"/> name absent, co-occurring objects.
/// Resumable: the tower stage's result is saved before the second stage starts, whose checkpoints live
/// in <c>OUT/checkpoints</c>.
/// </summary>
internal static class ShapesWorldPretraining
{
    public const string SettingsFileName = "pretraining.json";

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static async Task<FineTuningResult> RunAsync(string output, PretrainingSettings settings, IProgress<(int Step, int Total, double Loss)>? vision, IProgress<FineTuningProgress>? progress, CancellationToken cancellationToken)
    {
        var random = new Random(settings.Seed);
        var texts = new List<CorpusText>();
        for (int i = 0; i < settings.Scenes; i++)
        {
            texts.AddRange(ShapesWorldCorpus.Texts(ShapesWorldGenerator.Generate(settings.WorldSeed, i, settings.Shape.ImageSize), random, settings.HallucinationRate, ViGoR.Evaluation.PopeOptions.LlavaAnswerFormatSuffix));
        }

        var staging = output + ".init";
        if (!File.Exists(Path.Combine(output, "config.json")))
        {
            TinyLlavaFolder.Write(staging, TinyLlavaFolder.Vocabulary(), settings.Shape);
            using var fresh = LlavaVisionLanguageModel.CreateInitialized(staging, settings.Seed, new LlavaModelOptions { Device = TorchSharp.torch.CPU });
            VisionTowerPretraining.Run(fresh, settings.Vision, vision, cancellationToken);
            await fresh.SaveCheckpointAsync(output, cancellationToken);
            Directory.Delete(staging, recursive: true);
        }

        using var model = LlavaVisionLanguageModel.Load(output, new LlavaModelOptions { Device = TorchSharp.torch.CPU });
        var examples = texts.Select(t => new FineTuningExample(ImageInput.FromPixels(t.Scene.Image), t.Prompt, t.Target)).ToList();
        var options = new FineTuningOptions
        {
            LearningRate = settings.LearningRate,
            Epochs = settings.Epochs,
            BatchSize = settings.BatchSize,
            MicroBatchSize = settings.BatchSize,
            WarmupRatio = 0.03,
            Seed = settings.Seed,
            CheckpointDirectory = Path.Combine(output, "checkpoints"),
            SaveEverySteps = 100,
        };
        new LlavaFineTuningOptions { FreezeVisionTower = true }.ApplyTo(options);
        var result = await model.FineTuneAsync(examples, options, progress, cancellationToken);
        await model.SaveCheckpointAsync(output, cancellationToken);
        Directory.Delete(options.CheckpointDirectory, recursive: true); // the folder is committed: keep only the model
        await File.WriteAllTextAsync(Path.Combine(output, SettingsFileName), JsonSerializer.Serialize(new { settings, examples = examples.Count, steps = result.Steps, final_loss = result.FinalLoss }, Indented) + "\n", cancellationToken);
        return result;
    }
}
