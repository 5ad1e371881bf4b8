using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using ViGoR.ShapesWorld;
using ViGoR.Cli.Pipeline;
using ViGoR.Cli.RewardModel;
using ViGoR.Torch;
using ViGoR.Torch.Rewards;
using static TorchSharp.torch;

namespace ViGoR.Cli.Demo.Run;

/// <summary>One configuration of the paper's ablation (Yan et al., Table 4): which reward streams select and refine.</summary>
/// <param name="Name">Folder and results key.</param>
/// <param name="Label">What the report calls it.</param>
/// <param name="Sources">Which streams score (the paper's preset).</param>
/// <param name="Granularity">Fine-grained or holistic reward model.</param>
/// <param name="Signal">How the reward model's judgements become penalties (the paper's label by default).</param>
/// <param name="Order">Select then refine (the paper) or refine then select.</param>
internal sealed record DemoConfig(string Name, string Label, RewardSources Sources, RewardGranularity Granularity, RewardSignal Signal = RewardSignal.Label, SelectionOrder Order = SelectionOrder.SelectThenRefine)
{
    public const string Base = "base";

    /// <summary>The configuration's reward streams, through the library's presets (ViGoR-AT, -RM, -All).</summary>
    public void AddStreams(ViGoRBuilder builder)
    {
        void RewardModel(RewardModelStreamOptions o)
        {
            o.Granularity = Granularity;
            o.Signal = Signal;
        }

        _ = Sources switch
        {
            RewardSources.Automatic => builder.UseViGoRAutomatic(),
            RewardSources.RewardModel => builder.UseViGoRRewardModel(RewardModel),
            _ => builder.UseViGoRAll(rewardModel: RewardModel),
        };
    }

    public static readonly IReadOnlyList<DemoConfig> Trained =
    [
        new("vigor_at", "ViGoR-AT", RewardSources.Automatic, RewardGranularity.FineGrained),
        new("vigor_rm", "ViGoR-RM", RewardSources.RewardModel, RewardGranularity.FineGrained),
        new("vigor_rm_holistic", "ViGoR-RM holistic", RewardSources.RewardModel, RewardGranularity.Holistic),
        new("vigor_all", "ViGoR-All", RewardSources.Both, RewardGranularity.FineGrained),
    ];
}

/// <summary>Which phase of the demo is running, and how far it is.</summary>
internal sealed record DemoProgress(string Phase, int Done, int Total);

/// <summary>
/// The whole ViGoR method in miniature, through the packages' own code: ShapesWorld splits; per seed,
/// simulated annotators label the base model's descriptions, and reward models are trained on them
/// (fine-grained and holistic, as <c>vigor train-reward</c> does); the base model samples k descriptions
/// of every training image once; each configuration scores, selects and refines them with
/// <see cref="RejectionSamplingTrainer"/> (replaying the samples, so all configurations see the same
/// ones) and fine-tunes the base model on its targets with the same budget; every model is evaluated on
/// the test split with CHAIR and POPE.
/// </summary>
/// <remarks>
/// Every phase writes its product atomically into <c>DIR</c> and is skipped when it is there, so a rerun
/// after Ctrl+C or a crash resumes; journals and fine-tuning checkpoints resume mid-phase.
/// </remarks>
internal sealed class DemoRunner(string directory, DemoSettings settings, IProgress<DemoProgress>? progress) : IDisposable
{
    private static readonly JsonSerializerOptions Indented = new(JournalJson.Options) { WriteIndented = true };

    private readonly LlavaModelOptions _cpu = new() { Device = CPU, DType = ScalarType.Float32 };

    // Every model the demo trains starts from the base with its tower frozen: one cache of the tower's
    // features serves the reward models and every configuration's fine-tuning.
    private readonly ViGoR.Torch.Training.VisionFeatureCache _features = new();

    public string Directory { get; } = directory;

    /// <summary>Frees the cached vision features.</summary>
    public void Dispose() => _features.Dispose();

    public DemoSettings Settings { get; } = settings;

    /// <summary>The world's splits (fixed seeds, so every run sees the same scenes).</summary>
    public DemoWorld World { get; private set; } = null!;

    /// <summary>The base model's validation-split evaluation per seed (set by <see cref="RunAsync"/>).</summary>
    public IReadOnlyList<DemoEvaluation> Calibration { get; private set; } = [];

    /// <summary>
    /// The reward-model signal (label, the paper's; expected score) and the selection order (select then
    /// refine, the paper's; refine then select) measured against each other on the validation split, for
    /// ViGoR-RM and ViGoR-All: the supervision each variant makes (<see cref="ViGoR.ShapesWorld.SupervisionDiagnostics"/>), keyed
    /// <c>config/signal/order</c> (set by <see cref="RunAsync"/>).
    /// </summary>
    public IReadOnlyDictionary<string, ViGoR.ShapesWorld.SupervisionDiagnostics> Variants { get; private set; } = new Dictionary<string, ViGoR.ShapesWorld.SupervisionDiagnostics>();

    /// <summary>The linear presence probe of the base model's vision tower, fitted on the annotation split and scored on the validation split (set by <see cref="RunAsync"/>).</summary>
    public ViGoR.ShapesWorld.ProbeResult? Probe { get; private set; }

    public string BaseModel => Settings.BaseModel ?? throw new InvalidOperationException("No base model.");

    public string SeedDirectory(int seed) => Path.Combine(Directory, $"seed-{seed}");

    /// <summary>The annotations and the two reward models, shared by every seed.</summary>
    public string RewardDirectory => Path.Combine(Directory, "reward-models");

    public string RewardModelDirectory(bool holistic) => Path.Combine(RewardDirectory, holistic ? "holistic" : "fine-grained");

    public string ConfigDirectory(int seed, string config) => Path.Combine(SeedDirectory(seed), config);

    public string EvaluationPath(int seed, string config) => Path.Combine(ConfigDirectory(seed, config), "eval.json");

    /// <summary>The base model's evaluation on the validation split (its calibration), written before any configuration runs.</summary>
    public string CalibrationPath(int seed) => Path.Combine(SeedDirectory(seed), "base-calibration.json");

    /// <summary>
    /// Phase 0 alone: the base model on the validation split (CHAIR and POPE per seed) and the probe of its
    /// tower, before any ViGoR configuration runs. <c>vigor demo --calibrate-only</c> stops here, so a base
    /// model can be calibrated without running the method.
    /// </summary>
    public async Task CalibrateAsync(CancellationToken cancellationToken)
    {
        CheckSettings();
        World ??= DemoWorld.Create(Path.Combine(Directory, "world"), Settings, p => progress?.Report(p));
        var calibration = new List<DemoEvaluation>();
        foreach (var seed in Settings.Seeds)
        {
            calibration.Add(await EvaluateAsync(seed, DemoConfig.Base, BaseModel, cancellationToken, validation: true));
        }

        Calibration = calibration;
        Probe = ProbeBase();
    }

    /// <summary>Runs every phase that has not finished yet and returns each configuration's evaluation per seed.</summary>
    public async Task<IReadOnlyDictionary<string, IReadOnlyList<DemoEvaluation>>> RunAsync(CancellationToken cancellationToken)
    {
        CheckSettings();
        World = DemoWorld.Create(Path.Combine(Directory, "world"), Settings, p => progress?.Report(p));
        var results = new Dictionary<string, List<DemoEvaluation>>(StringComparer.Ordinal);
        await CalibrateAsync(cancellationToken);
        var annotations = await AnnotateAsync(Settings.RewardSeed, cancellationToken);
        var fine = await TrainRewardModelAsync(Settings.RewardSeed, annotations, holistic: false, cancellationToken);
        var holistic = await TrainRewardModelAsync(Settings.RewardSeed, annotations, holistic: true, cancellationToken);
        Variants = await SupervisionVariantsAsync(fine, cancellationToken);
        foreach (var seed in Settings.Seeds)
        {
            var samples = await SampleAsync(seed, World.Train, SeedDirectory(seed), cancellationToken);
            var judgements = await JudgeAsync(seed, World.Train, samples, fine, cancellationToken);
            var models = new Dictionary<string, string> { [DemoConfig.Base] = BaseModel };
            foreach (var config in DemoConfig.Trained)
            {
                var journal = await SuperviseAsync(seed, config, World.Train, samples, config.Granularity == RewardGranularity.Holistic ? holistic : null, judgements, JournalPath(seed, config.Name), cancellationToken);
                models[config.Name] = await FineTuneAsync(seed, config, journal, cancellationToken);
            }

            var baseEvaluation = await EvaluateAsync(seed, DemoConfig.Base, BaseModel, cancellationToken);
            foreach (var (name, model) in models)
            {
                // A configuration left untrained (no target survived refinement) is the base model: its
                // numbers are the base's, not a second evaluation of the same weights.
                var evaluation = name == DemoConfig.Base || model == BaseModel
                    ? baseEvaluation with { Config = name }
                    : await EvaluateAsync(seed, name, model, cancellationToken);
                (results.TryGetValue(name, out var list) ? list : results[name] = []).Add(evaluation);
            }
        }

        return results.ToDictionary(kv => kv.Key, kv => (IReadOnlyList<DemoEvaluation>)kv.Value, StringComparer.Ordinal);
    }

    /// <summary>The supervision journal of a configuration (for the report).</summary>
    public string JournalPath(int seed, string config) => Path.Combine(ConfigDirectory(seed, config), "round-0", RejectionSamplingTrainer.SupervisionFileName);

    /// <summary>The detector the automatic stream asks: the user's Grounding DINO, or ground truth with misses and false alarms.</summary>
    public void UseDetector(ViGoRBuilder builder, int seed, DemoSplit? split = null)
    {
        if (Settings.GroundingDino is { } onnx)
        {
            builder.UseGroundingDinoOnnx(onnx);
            return;
        }

        builder.UseAnnotationGroundingDetector((split ?? World.Train).InstancesPath);
        if (Settings.DetectorMissRate > 0 || Settings.DetectorFalseAlarmRate > 0)
        {
            var noise = new NoisyDetectorOptions { MissRate = Settings.DetectorMissRate, FalseAlarmRate = Settings.DetectorFalseAlarmRate, Seed = seed };
            builder.Use<IGroundingDetector>(groundTruth => new NoisyGroundingDetector(groundTruth, noise));
        }
    }

    private void CheckSettings()
    {
        System.IO.Directory.CreateDirectory(Directory);
        var path = Path.Combine(Directory, "demo-settings.json");
        var current = JsonSerializer.SerializeToNode(Settings with { BaseModelFingerprint = ContentFingerprint.Of(BaseModel) }, Indented)!.AsObject();
        if (File.Exists(path))
        {
            var recorded = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(path))!.AsObject();
            var differences = AsHeader(recorded).Differences(AsHeader(current), "in the folder", "now");
            if (differences.Count > 0)
            {
                throw new InvalidOperationException($"{path}: this folder holds a demo run with other settings ({string.Join("; ", differences)}). Use another --out, or --restart to start this one afresh.");
            }

            return;
        }

        AtomicFile.WriteAllText(path, current.ToJsonString(Indented) + "\n");
    }

    // The same comparison journals use: each setting as its JSON text.
    private static JournalHeader AsHeader(System.Text.Json.Nodes.JsonObject settings) => new()
    {
        VigorJournal = "demo",
        Settings = settings.ToDictionary(kv => kv.Key, kv => kv.Value?.ToJsonString() ?? "null", StringComparer.Ordinal),
    };

    /// <summary>Phase 0: what the base model's frozen tower can see (<see cref="ViGoR.ShapesWorld.PresenceProbe"/>), written once as <c>base-probe.json</c>.</summary>
    private ViGoR.ShapesWorld.ProbeResult ProbeBase()
    {
        var path = Path.Combine(Directory, "base-probe.json");
        if (File.Exists(path))
        {
            return JsonSerializer.Deserialize<ViGoR.ShapesWorld.ProbeResult>(File.ReadAllText(path), Indented)
                ?? throw new InvalidDataException($"{path}: empty probe result.");
        }

        using var model = LlavaVisionLanguageModel.Load(BaseModel, _cpu);
        var result = ViGoR.Cli.Demo.TinyModel.VisionTowerPretraining.Probe(model, World.Annotation.Scenes, World.Validation.Scenes);
        AtomicFile.WriteAllText(path, JsonSerializer.Serialize(result, Indented) + "\n");
        return result;
    }

    /// <summary>
    /// Phase 2b (once): the base samples k descriptions of the validation scenes, the fine-grained reward
    /// model judges them, and ViGoR-RM and ViGoR-All supervise them with each signal and order. No model
    /// is fine-tuned here: the variants are compared by the supervision they make, against ground truth.
    /// </summary>
    private async Task<IReadOnlyDictionary<string, ViGoR.ShapesWorld.SupervisionDiagnostics>> SupervisionVariantsAsync(string fine, CancellationToken cancellationToken)
    {
        var directory = Path.Combine(Directory, "validation-supervision");
        System.IO.Directory.CreateDirectory(directory);
        int seed = Settings.RewardSeed;
        var samples = await SampleAsync(seed, World.Validation, directory, cancellationToken);
        var judgements = await JudgeAsync(seed, World.Validation, samples, fine, cancellationToken);
        var result = new SortedDictionary<string, ViGoR.ShapesWorld.SupervisionDiagnostics>(StringComparer.Ordinal);
        foreach (var config in DemoConfig.Trained.Where(c => c.Granularity == RewardGranularity.FineGrained && c.Sources != RewardSources.Automatic))
        {
            foreach (var signal in new[] { RewardSignal.Label, RewardSignal.Expected })
            {
                foreach (var order in new[] { SelectionOrder.SelectThenRefine, SelectionOrder.RefineThenSelect })
                {
                    var name = $"{config.Name}/{Snake(signal.ToString())}/{Snake(order.ToString())}";
                    var journal = Path.Combine(directory, name.Replace('/', '.'), "round-0", RejectionSamplingTrainer.SupervisionFileName);
                    await SuperviseAsync(seed, config with { Signal = signal, Order = order }, World.Validation, samples, null, judgements, journal, cancellationToken);
                    result[name] = ViGoR.ShapesWorld.SupervisionDiagnostics.Compute(SupervisionJournal.Read(journal), World.Validation.Scenes);
                }
            }
        }

        return result;
    }

    private static string Snake(string pascal) =>
        string.Concat(pascal.Select((c, i) => char.IsUpper(c) && i > 0 ? "_" + char.ToLowerInvariant(c) : char.ToLowerInvariant(c).ToString()));

    /// <summary>Phase 1 (once for all seeds): the base model describes the annotation split once; simulated annotators label every sentence.</summary>
    private async Task<string> AnnotateAsync(int seed, CancellationToken cancellationToken)
    {
        var path = Path.Combine(RewardDirectory, "annotations.jsonl");
        if (File.Exists(path))
        {
            return path;
        }

        var phase = "annotate (simulated annotators)";
        using var model = LlavaVisionLanguageModel.Load(BaseModel, _cpu);
        var descriptions = await DescribeAsync(model, World.Annotation.Scenes, seed, numSamples: 1, Settings.Temperature, phase, cancellationToken);
        var random = new Random(seed);
        var annotated = World.Annotation.Scenes
            .Select((scene, i) => SimulatedAnnotator.Annotate(scene.Id, scene, ShapesWorldCorpus.DescribePrompt, descriptions[i][0], Settings.AnnotatorNoise, random))
            .Where(d => d.Sentences.Count > 0)
            .ToList();
        System.IO.Directory.CreateDirectory(RewardDirectory);
        Annotations.Write(path, annotated);
        return path;
    }

    /// <summary>Phase 2 (once for all seeds): a reward model fine-tuned from the base model on the annotations (the train-reward verb's code), with held-out metrics.</summary>
    private async Task<string> TrainRewardModelAsync(int seed, string annotationsPath, bool holistic, CancellationToken cancellationToken)
    {
        var output = RewardModelDirectory(holistic);
        if (File.Exists(Path.Combine(output, "metrics.json")))
        {
            return output;
        }

        var phase = $"train {(holistic ? "holistic" : "fine-grained")} reward model";
        var file = Annotations.Read(annotationsPath, World.Annotation.ImagesDirectory);
        using var model = LlavaVisionLanguageModel.Load(BaseModel, _cpu);
        var options = new LlavaRewardModelTrainerOptions
        {
            OutputDirectory = output,
            ImagesDirectory = World.Annotation.ImagesDirectory,
            Holistic = holistic,
            EvalFraction = 0.2,
            Epochs = Settings.RewardEpochs,
            LearningRate = Settings.RewardLearningRate,
            BatchSize = Settings.BatchSize,
            MicroBatchSize = Settings.BatchSize,
            Seed = seed,
            FineTuning = new ViGoR.Torch.Training.LlavaFineTuningOptions { ImageFeatureCache = _features },
        };
        await new LlavaRewardModelTrainer(model, options, RewardModelMeasure.Metrics(World.Annotation.ImagesDirectory, holistic)).TrainAsync(file.Descriptions, heldOut: null, Steps(phase), cancellationToken);
        return output;
    }

    /// <summary>
    /// Phase 3: k descriptions of every training image from the base model (or <paramref name="modelDirectory"/>),
    /// seeded per image, recorded by the library's <see cref="RecordingVisionLanguageModel"/>: each batch is
    /// appended as it is sampled, so an interrupted phase resumes at the image it reached.
    /// </summary>
    internal async Task<string> SampleAsync(int seed, DemoSplit split, string directory, CancellationToken cancellationToken, string? modelDirectory = null, int round = 0)
    {
        var path = Path.Combine(directory, "samples.jsonl");
        var done = path + ".done";
        if (File.Exists(done))
        {
            return path;
        }

        // Without the marker the file is partial (or complete from an earlier version): the recorder replays what it holds and samples the rest.
        System.IO.Directory.CreateDirectory(directory);
        using var model = LlavaVisionLanguageModel.Load(modelDirectory ?? BaseModel, _cpu);
        using (var recording = new RecordingVisionLanguageModel(model, path))
        {
            await DescribeAsync(recording, split.Scenes, seed, Settings.NumSamples, Settings.Temperature, $"seed {seed}: sample k = {Settings.NumSamples} ({Path.GetFileName(split.Directory)}{(round > 0 ? $", round {round}" : string.Empty)})", cancellationToken, round);
        }

        AtomicFile.WriteAllText(done, string.Empty);
        return path;
    }

    /// <summary>Phase 4: the fine-grained reward model judges every sentence of the samples once (what <c>vigor score</c> does); ViGoR-RM and ViGoR-All replay the judgements.</summary>
    internal async Task<string> JudgeAsync(int seed, DemoSplit split, string samplesPath, string rewardModel, CancellationToken cancellationToken)
    {
        var path = Path.Combine(Path.GetDirectoryName(samplesPath)!, "judgements.jsonl");
        var done = path + ".done";
        if (File.Exists(done))
        {
            return path;
        }

        var phase = $"seed {seed}: judge sentences (fine-grained reward model)";
        using var judge = LlavaSentenceRewardModel.Load(rewardModel, _cpu);
        using (var recording = new RecordingSentenceRewardModel(judge, path, SampleJudging.Settings(samplesPath)))
        {
            await SampleJudging.JudgeAsync(recording, Items(split), RecordedVisionLanguageModel.Load(samplesPath), (n, total) => progress?.Report(new DemoProgress(phase, n, total)), cancellationToken);
        }

        AtomicFile.WriteAllText(done, string.Empty);
        return path;
    }

    internal static List<TrainingItem> Items(DemoSplit split) =>
        split.Scenes.Select(s => new TrainingItem(ImageInput.FromFile(split.ImagePath(s), s.FileName), ShapesWorldCorpus.DescribePrompt)).ToList();

    /// <summary>Phase 5: the configuration's streams score, select and refine the recorded samples (resumable journal).</summary>
    internal async Task<string> SuperviseAsync(int seed, DemoConfig config, DemoSplit split, string samplesPath, string? holisticModel, string judgements, string journal, CancellationToken cancellationToken)
    {
        var phase = $"seed {seed}: supervise {config.Label}";
        var services = new ServiceCollection().AddLogging();
        var builder = services.AddViGoR(o =>
        {
            o.Sampling = new SamplingOptions { NumSamples = Settings.NumSamples, Temperature = Settings.Temperature, MaxNewTokens = Settings.MaxNewTokens };
            o.Selection.Order = config.Order;
            o.Seed = seed;
        }).UseWordNetNounExtractor().UseVisionLanguageModel(RecordedVisionLanguageModel.Load(samplesPath));
        UseDetector(builder, seed, split);
        config.AddStreams(builder);
        if (config.Sources != RewardSources.Automatic)
        {
            if (holisticModel is not null)
            {
                builder.UseLlavaRewardModel(holisticModel, _cpu);
            }
            else
            {
                builder.UseRecordedJudgements(judgements);
            }
        }

        await using var provider = services.BuildServiceProvider();
        var trainer = provider.GetRequiredService<RejectionSamplingTrainer>();
        var items = Items(split);
        var report = new SyncProgress<RejectionSamplingProgress>(p => progress?.Report(new DemoProgress(phase, p.Completed, p.Total)));
        await trainer.GenerateSupervisionAsync(items, Path.GetDirectoryName(journal)!, 0, report, cancellationToken);
        return journal;
    }

    /// <summary>Phase 6: the base model fine-tuned on the configuration's refined targets (same budget and seed for all).</summary>
    private Task<string> FineTuneAsync(int seed, DemoConfig config, string journal, CancellationToken cancellationToken) =>
        TrainAsync(seed, config.Name, config.Label, journal, BaseModel, (model, examples, options, progress) => model.FineTuneAsync(examples, options, progress, cancellationToken), cancellationToken);

    /// <summary>
    /// A model trained from <paramref name="startModel"/> on <paramref name="journal"/>'s refined targets by
    /// <paramref name="train"/> (fine-tuning, or preference optimisation on pairs from the same records), with
    /// the demo's budget and seed, saved as <c>seed-N/NAME/model</c>; the base when no image has a target.
    /// </summary>
    internal async Task<string> TrainAsync(int seed, string name, string label, string journal, string startModel, Func<LlavaVisionLanguageModel, IReadOnlyList<FineTuningExample>, FineTuningOptions, IProgress<FineTuningProgress>, Task> train, CancellationToken cancellationToken)
    {
        var output = Path.Combine(ConfigDirectory(seed, name), "model");
        if (File.Exists(Path.Combine(output, "config.json")))
        {
            return output;
        }

        if (File.Exists(Path.Combine(ConfigDirectory(seed, name), "untrained.txt")))
        {
            return startModel;
        }

        var examples = SupervisionJournal.Read(journal)
            .Where(r => r.Status == SupervisionStatus.Ok && !string.IsNullOrWhiteSpace(r.Target))
            .Select(r => new FineTuningExample(TrainImage(r), r.Prompt, r.Target!))
            .ToList();
        if (examples.Count == 0)
        {
            // Every sentence was dropped (e.g. a reward model that calls everything a hallucination):
            // nothing to learn from. The model it would start from stands in, and the report says so rather than failing the run.
            AtomicFile.WriteAllText(Path.Combine(ConfigDirectory(seed, name), "untrained.txt"), $"{journal}: no image has a target, so {label} was not trained; the model it starts from stands in for it.\n");
            return startModel;
        }

        using var model = LlavaVisionLanguageModel.Load(startModel, _cpu);
        var options = new FineTuningOptions
        {
            Epochs = Settings.Epochs,
            LearningRate = Settings.LearningRate,
            BatchSize = Settings.BatchSize,
            MicroBatchSize = Settings.BatchSize,
            Seed = seed,
            CheckpointDirectory = Path.Combine(ConfigDirectory(seed, name), "checkpoints"),
        };
        new ViGoR.Torch.Training.LlavaFineTuningOptions { ImageFeatureCache = _features }.ApplyTo(options);
        await train(model, examples, options, Steps($"seed {seed}: fine-tune {label}"));
        await model.SaveCheckpointAsync(output + ".partial", cancellationToken);
        System.IO.Directory.Move(output + ".partial", output);
        System.IO.Directory.Delete(options.CheckpointDirectory, recursive: true);
        return output;
    }

    /// <summary>A training-split image of a journal record.</summary>
    internal ImageInput TrainImage(SupervisionRecord record) => ImageInput.FromFile(Path.Combine(World.Train.ImagesDirectory, record.ImageId), record.ImageId);

    /// <summary>The fine-grained reward model's folder, once trained.</summary>
    internal string FineGrainedRewardModel => RewardModelDirectory(holistic: false);

    /// <summary>Phase 7: CHAIR on sampled test descriptions and POPE (greedy yes/no) on the test split.</summary>
    internal async Task<DemoEvaluation> EvaluateAsync(int seed, string config, string modelDirectory, CancellationToken cancellationToken, bool validation = false)
    {
        var path = validation ? CalibrationPath(seed) : EvaluationPath(seed, config);
        var (split, questions) = World.Evaluation(validation);
        if (File.Exists(path))
        {
            return JsonSerializer.Deserialize<DemoEvaluation>(File.ReadAllText(path), Indented)
                ?? throw new InvalidDataException($"{path}: empty evaluation.");
        }

        var phase = $"seed {seed}: {(validation ? "calibrate" : "evaluate")} {config}";
        using var model = LlavaVisionLanguageModel.Load(modelDirectory, _cpu);
        var descriptions = await DescribeAsync(model, split.Scenes, seed, 1, Settings.Temperature, phase + " (CHAIR)", cancellationToken);
        var answers = new List<string>();
        for (int start = 0; start < questions.Count; start += 64)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var batch = questions.Skip(start).Take(64).ToList();
            var requests = batch.Select(q => new SampleRequest(ImageInput.FromPixels(split.Scene(q.Image).Image), ShapesWorldCorpus.Question(q.Category, ViGoR.Evaluation.PopeOptions.LlavaAnswerFormatSuffix), 0)).ToList();
            var replies = await model.SampleBatchAsync(requests, new SamplingOptions { NumSamples = 1, Temperature = 0, MaxNewTokens = 3 }, cancellationToken);
            answers.AddRange(replies.Select(r => r[0]));
            progress?.Report(new DemoProgress(phase + " (POPE)", Math.Min(start + 64, questions.Count), questions.Count));
        }

        var evaluation = DemoEvaluation.Compute(config, seed, split.Scenes, descriptions.Select(d => d[0]).ToList(), questions, answers);
        System.IO.Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        AtomicFile.WriteAllText(path, JsonSerializer.Serialize(evaluation, Indented) + "\n");
        return evaluation;
    }

    /// <summary>Samples descriptions of <paramref name="scenes"/>, eight images per batch, each image seeded as the trainer seeds it.</summary>
    private async Task<List<IReadOnlyList<string>>> DescribeAsync(IBatchVisionLanguageModel model, IReadOnlyList<Scene> scenes, int seed, int numSamples, float temperature, string phase, CancellationToken cancellationToken, int round = 0)
    {
        var result = new List<IReadOnlyList<string>>(scenes.Count);
        var options = new SamplingOptions { NumSamples = numSamples, Temperature = temperature, MaxNewTokens = Settings.MaxNewTokens };
        for (int start = 0; start < scenes.Count; start += 8)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var requests = scenes.Skip(start).Take(8)
                .Select(s => new SampleRequest(ImageInput.FromPixels(new RgbImage(s.FileName, s.Image.Width, s.Image.Height, s.Image.Pixels.ToArray())), ShapesWorldCorpus.DescribePrompt, RejectionSamplingTrainer.DeriveSeed(seed, s.FileName, round)))
                .ToList();
            result.AddRange(await model.SampleBatchAsync(requests, options, cancellationToken));
            progress?.Report(new DemoProgress(phase, result.Count, scenes.Count));
        }

        return result;
    }

    internal SyncProgress<FineTuningProgress> Steps(string phase) => new(p => progress?.Report(new DemoProgress(phase, p.Step, p.TotalSteps)));
}
