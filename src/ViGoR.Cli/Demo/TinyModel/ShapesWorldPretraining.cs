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
    public double HallucinationRate { get; init; } = 0.6;

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

    /// <summary>Where the "CLIP" stage records its settings and the probe of the tower it made; its presence says the stage is done.</summary>
    public const string VisionStageFileName = "vision_pretraining.json";

    /// <summary>Runs the stages not done yet; with <paramref name="visionOnly"/>, stops after the "CLIP" stage (and returns null).</summary>
    /// <exception cref="InvalidOperationException">The folder is already pre-trained, or its tower was made with other settings.</exception>
    public static async Task<FineTuningResult?> RunAsync(string output, PretrainingSettings settings, bool visionOnly, IProgress<(int Step, int Total, double Loss)>? vision, IProgress<FineTuningProgress>? progress, CancellationToken cancellationToken, string? towerFrom = null)
    {
        if (File.Exists(Path.Combine(output, SettingsFileName)))
        {
            throw new InvalidOperationException($"{Path.Combine(output, SettingsFileName)}: {output} is already pre-trained; use another --out (pre-training it again would train on top of the finished model).");
        }

        var stage = Path.Combine(output, VisionStageFileName);
        var towerSettings = JsonSerializer.SerializeToNode(new { settings.Seed, settings.Shape, settings.Vision })!;
        if (!File.Exists(stage))
        {
            var staging = output + ".init";
            if (Directory.Exists(staging))
            {
                Directory.Delete(staging, recursive: true); // a stage cut short starts over: its scenes are cheap to draw again
            }

            TinyLlavaFolder.Write(staging, TinyLlavaFolder.Vocabulary(), settings.Shape);
            using var fresh = LlavaVisionLanguageModel.CreateInitialized(staging, settings.Seed, new LlavaModelOptions { Device = TorchSharp.torch.CPU });
            if (towerFrom is null)
            {
                VisionTowerPretraining.Run(fresh, settings.Vision, vision, cancellationToken);
            }
            else
            {
                CopyTower(towerFrom, fresh, towerSettings);
            }

            var probe = Commands.ProbeCommand.Probe(fresh, fitSeed: 201, train: 600, testSeed: 204, test: 100);
            await fresh.SaveCheckpointAsync(output, cancellationToken);
            Directory.Delete(staging, recursive: true);
            var record = JsonSerializer.SerializeToNode(new { tower_settings = towerSettings, probe = new { fit_seed = 201, test_seed = 204, per_category = probe.PerCategory, mean = probe.Mean, min = probe.Min } }, Indented)!;
            await File.WriteAllTextAsync(stage, record.ToJsonString(Indented) + "\n", cancellationToken);
        }
        else
        {
            var recorded = System.Text.Json.Nodes.JsonNode.Parse(await File.ReadAllTextAsync(stage, cancellationToken))?["tower_settings"]?.ToJsonString();
            if (recorded != towerSettings.ToJsonString())
            {
                throw new InvalidOperationException($"{stage}: the tower in {output} was made with other settings ({recorded}); now {towerSettings.ToJsonString()}. Use another --out.");
            }
        }

        if (visionOnly)
        {
            return null;
        }

        var random = new Random(settings.Seed);
        var texts = new List<CorpusText>();
        for (int i = 0; i < settings.Scenes; i++)
        {
            texts.AddRange(ShapesWorldCorpus.Texts(ShapesWorldGenerator.Generate(settings.WorldSeed, i, settings.Shape.ImageSize), random, settings.HallucinationRate, ViGoR.Evaluation.PopeOptions.LlavaAnswerFormatSuffix));
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
        using var features = new VisionFeatureCache();
        new LlavaFineTuningOptions { FreezeVisionTower = true, ImageFeatureCache = features }.ApplyTo(options);
        var result = await model.FineTuneAsync(examples, options, progress, cancellationToken);
        await model.SaveCheckpointAsync(output, cancellationToken);
        Directory.Delete(options.CheckpointDirectory, recursive: true); // the folder is committed: keep only the model
        await File.WriteAllTextAsync(Path.Combine(output, SettingsFileName), JsonSerializer.Serialize(new { settings, examples = examples.Count, steps = result.Steps, final_loss = result.FinalLoss }, Indented) + "\n", cancellationToken);
        return result;
    }

    // The tower of a folder whose CLIP stage had the same settings, into a freshly initialised model: what
    // running the stage again would make (the stage is frozen in the LLaVA stage), without its cost, so the
    // LLaVA stage can be calibrated on its own.
    private static void CopyTower(string source, LlavaVisionLanguageModel fresh, System.Text.Json.Nodes.JsonNode towerSettings)
    {
        var stage = Path.Combine(source, VisionStageFileName);
        var recorded = File.Exists(stage) ? System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(stage))?["tower_settings"]?.ToJsonString() : null;
        if (recorded != towerSettings.ToJsonString())
        {
            throw new InvalidOperationException($"{stage}: --tower-from needs a folder whose CLIP stage had these settings ({towerSettings.ToJsonString()}); it records {recorded ?? "none"}.");
        }

        using var donor = LlavaVisionLanguageModel.Load(source, new LlavaModelOptions { Device = TorchSharp.torch.CPU });
        var from = donor.Module.VisionTower.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        using var noGrad = TorchSharp.torch.no_grad();
        foreach (var (name, parameter) in fresh.Module.VisionTower.named_parameters())
        {
            parameter.copy_(from[name]);
        }
    }
}
