using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using ViGoR.Torch.Training;

namespace ViGoR.Torch.Rewards;

/// <summary>
/// Settings of <see cref="LlavaRewardModelTrainer"/>, shaped like TRL's <c>RewardConfig</c>: the
/// optimisation (learning rate, epochs, batch size), the granularity (fine-grained or holistic), the
/// held-out split and where the model goes. Defaults are the paper's (Yan et al., Sec. 4.3).
/// </summary>
public sealed class LlavaRewardModelTrainerOptions
{
    /// <summary>The folder the reward model, its <c>vigor_reward.json</c>, <c>metrics.json</c>, <c>split.json</c> and <c>checkpoints/</c> go to. Required.</summary>
    public string OutputDirectory { get; set; } = string.Empty;

    /// <summary>The folder the annotations' image paths are relative to; null: they are used as given.</summary>
    public string? ImagesDirectory { get; set; }

    /// <summary>Peak learning rate. Default 2e-5, the paper's.</summary>
    public double LearningRate { get; set; } = 2e-5;

    /// <summary>Passes over the data. Default 5, the paper's reward-model training.</summary>
    public int Epochs { get; set; } = 5;

    /// <summary>Examples per optimizer step. Default 32, the paper's.</summary>
    public int BatchSize { get; set; } = 32;

    /// <summary>Examples per forward pass (gradients are accumulated up to <see cref="BatchSize"/>). Default 1.</summary>
    public int MicroBatchSize { get; set; } = 1;

    /// <summary>Linear warm-up share of the steps. Default 0.03 (LLaVA's scripts).</summary>
    public double WarmupRatio { get; set; } = 0.03;

    /// <summary>Seeds the held-out split, the data order and dropout. Default 42.</summary>
    public int Seed { get; set; } = 42;

    /// <summary>Save a resumable checkpoint every this many optimizer steps (0: only at the end). Default 0.</summary>
    public int SaveEverySteps { get; set; }

    /// <summary>
    /// Train the holistic ablation (Sec. 4.6): one example per description, wrong when any sentence is,
    /// instead of one per sentence. Default false: fine-grained, the paper's reward model.
    /// </summary>
    public bool Holistic { get; set; }

    /// <summary>
    /// Share of the images held out for measuring when no held-out descriptions are given (no image is on
    /// both sides), in [0, 1). Default 0.1.
    /// </summary>
    public double EvalFraction { get; set; } = 0.1;

    /// <summary>LLaVA-specific fine-tuning settings (LoRA, gradient checkpointing, a vision-feature cache); null for LLaVA's defaults.</summary>
    public LlavaFineTuningOptions? FineTuning { get; set; }

    /// <summary>The options the trained reward model is read with: the paper's question (or the holistic one), the categorical labels, first-token scoring.</summary>
    public LlavaRewardModelOptions JudgeOptions() => new()
    {
        Labels = RewardLabelScheme.Categorical,
        Holistic = Holistic,
        PromptTemplate = (Holistic ? LlavaRewardModelOptions.HolisticInstruction : LlavaRewardModelOptions.PaperInstruction) + "\n{description}",
        Scoring = RewardScoring.FirstToken,
    };

    internal void Validate()
    {
        if (string.IsNullOrWhiteSpace(OutputDirectory))
        {
            throw new ArgumentException("OutputDirectory is required: the folder the reward model is written to.", nameof(OutputDirectory));
        }

        if (Epochs < 1 || BatchSize < 1 || MicroBatchSize < 1 || BatchSize % MicroBatchSize != 0 || !(LearningRate > 0))
        {
            throw new ArgumentOutOfRangeException(nameof(BatchSize), "Epochs, BatchSize and MicroBatchSize must be at least 1, BatchSize a multiple of MicroBatchSize, and LearningRate > 0.");
        }

        if (EvalFraction is < 0 or >= 1 || double.IsNaN(EvalFraction))
        {
            throw new ArgumentOutOfRangeException(nameof(EvalFraction), EvalFraction, "EvalFraction must be in [0, 1).");
        }
    }
}

/// <summary>
/// Measures a trained reward model on the held-out descriptions (TRL's <c>compute_metrics</c>); the result
/// is written to <c>metrics.json</c>. <c>ViGoR.Evaluation.RewardModelEvaluator</c> is the shipped one.
/// </summary>
public delegate Task<object> RewardModelMetricsFunction(ISentenceRewardModel rewardModel, IReadOnlyList<AnnotatedDescription> heldOut, CancellationToken cancellationToken);

/// <summary>What <see cref="LlavaRewardModelTrainer.TrainAsync"/> produced.</summary>
/// <param name="OutputDirectory">The reward model's folder: load it with <see cref="LlavaSentenceRewardModel.Load"/>.</param>
/// <param name="Metrics">What the metrics function measured on the held-out descriptions; null without a function or without held-out descriptions.</param>
/// <param name="TrainDescriptions">Annotated descriptions trained on.</param>
/// <param name="EvalDescriptions">Annotated descriptions held out.</param>
/// <param name="TrainExamples">Fine-tuning examples (sentences, or descriptions when holistic).</param>
/// <param name="FineTuning">The fine-tuning run.</param>
public sealed record LlavaRewardModelTrainingResult(string OutputDirectory, object? Metrics, int TrainDescriptions, int EvalDescriptions, int TrainExamples, FineTuningResult FineTuning);

/// <summary>
/// Trains ViGoR's reward model (Yan et al., Sec. 3.1, 4.3) from fine-grained annotations, as TRL's
/// <c>RewardTrainer</c> does for its models: one example per sentence (the paper's question with the
/// description up to and including it; the target the label scheme's digit for its kind and creativity),
/// or one per description for the holistic ablation (Sec. 4.6); fine-tunes the base LVLM on them; writes
/// the model with its <c>vigor_reward.json</c>; and measures it on the held-out images into
/// <c>metrics.json</c>.
/// </summary>
/// <remarks>
/// Resumable: fine-tuning checkpoints live in <c>checkpoints/</c> of the output folder, and a finished
/// run is restored rather than repeated. The held-out images are listed in <c>split.json</c>. The base
/// model is fine-tuned in place (it becomes the reward model). Not thread-safe: one training at a time.
/// </remarks>
public sealed class LlavaRewardModelTrainer
{
    private static readonly JsonSerializerOptions Indented = new(JournalJson.Options) { WriteIndented = true };

    private readonly LlavaVisionLanguageModel _model;
    private readonly LlavaRewardModelTrainerOptions _options;
    private readonly RewardModelMetricsFunction? _computeMetrics;
    private readonly ILogger _logger;

    /// <summary>Trains a reward model from <paramref name="baseModel"/>.</summary>
    /// <param name="baseModel">The LVLM the reward model starts from (the paper initialises it from the LVLM's weights); fine-tuned in place.</param>
    /// <param name="options">The settings; <see cref="LlavaRewardModelTrainerOptions.OutputDirectory"/> is required.</param>
    /// <param name="computeMetrics">Measures the trained model on the held-out descriptions; null to skip measuring.</param>
    /// <param name="logger">Receives the split and the outcome; null for none.</param>
    /// <exception cref="ArgumentException">The options are out of range, or name no output folder.</exception>
    public LlavaRewardModelTrainer(LlavaVisionLanguageModel baseModel, LlavaRewardModelTrainerOptions options, RewardModelMetricsFunction? computeMetrics = null, ILogger<LlavaRewardModelTrainer>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(baseModel);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _model = baseModel;
        _options = options;
        _computeMetrics = computeMetrics;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    /// <summary>
    /// Trains on <paramref name="train"/> and measures on <paramref name="heldOut"/>; without
    /// <paramref name="heldOut"/>, a share <see cref="LlavaRewardModelTrainerOptions.EvalFraction"/> of
    /// <paramref name="train"/>'s images is held out (<see cref="Annotations.SplitByImage"/>).
    /// </summary>
    /// <exception cref="InvalidDataException">An image is on both sides, or no sentence is left to train on.</exception>
    public async Task<LlavaRewardModelTrainingResult> TrainAsync(
        IReadOnlyList<AnnotatedDescription> train,
        IReadOnlyList<AnnotatedDescription>? heldOut = null,
        IProgress<FineTuningProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(train);
        (train, heldOut) = heldOut is null ? Annotations.SplitByImage(train, _options.EvalFraction, _options.Seed) : (train, heldOut);
        var shared = train.Select(d => d.Image).Intersect(heldOut.Select(d => d.Image), StringComparer.Ordinal).FirstOrDefault();
        if (shared is not null)
        {
            throw new InvalidDataException($"Image '{shared}' is in both the training and the held-out annotations: held-out metrics must be on unseen images.");
        }

        var judgeOptions = _options.JudgeOptions();
        var examples = CreateExamples(train, _options.ImagesDirectory, judgeOptions);
        if (examples.Count == 0)
        {
            throw new InvalidDataException("The training descriptions have no sentence to learn from.");
        }

        _logger.LogInformation("Training a {Kind} reward model on {Train} descriptions ({Examples} examples); {HeldOut} held out.", _options.Holistic ? "holistic" : "fine-grained", train.Count, examples.Count, heldOut.Count);
        var output = _options.OutputDirectory;
        Directory.CreateDirectory(output);
        await File.WriteAllTextAsync(Path.Combine(output, "split.json"), JsonSerializer.Serialize(new { eval_images = heldOut.Select(d => d.Image).Distinct().Order(StringComparer.Ordinal) }), cancellationToken).ConfigureAwait(false);
        var fineTuning = new FineTuningOptions
        {
            Epochs = _options.Epochs,
            BatchSize = _options.BatchSize,
            MicroBatchSize = _options.MicroBatchSize,
            LearningRate = _options.LearningRate,
            WarmupRatio = _options.WarmupRatio,
            Seed = _options.Seed,
            CheckpointDirectory = Path.Combine(output, "checkpoints"),
            SaveEverySteps = _options.SaveEverySteps,
        };
        _options.FineTuning?.ApplyTo(fineTuning);
        var result = await _model.FineTuneAsync(examples, fineTuning, progress, cancellationToken).ConfigureAwait(false);
        await _model.SaveCheckpointAsync(output, cancellationToken).ConfigureAwait(false);
        RewardModelMetadata.For(judgeOptions.Labels, _options.Holistic ? RewardModelMetadata.Holistic : RewardModelMetadata.FineGrained, judgeOptions.PromptTemplate).Save(output);

        object? metrics = null;
        if (_computeMetrics is null || heldOut.Count == 0)
        {
            _logger.LogWarning("The reward model in {Output} is not measured: {Reason}.", output, _computeMetrics is null ? "no metrics function was given" : "no description is held out");
        }
        else
        {
            using var judge = new LlavaSentenceRewardModel(_model, judgeOptions);
            metrics = await _computeMetrics(judge, heldOut, cancellationToken).ConfigureAwait(false);
            await File.WriteAllTextAsync(Path.Combine(output, "metrics.json"), JsonSerializer.Serialize(metrics, metrics.GetType(), Indented), cancellationToken).ConfigureAwait(false);
        }

        return new LlavaRewardModelTrainingResult(output, metrics, train.Count, heldOut.Count, examples.Count, result);
    }

    /// <summary>The fine-tuning examples of labelled descriptions: one per sentence, or one per description when <paramref name="judgeOptions"/> is holistic.</summary>
    public static List<FineTuningExample> CreateExamples(IReadOnlyList<AnnotatedDescription> descriptions, string? imagesDirectory, LlavaRewardModelOptions judgeOptions)
    {
        ArgumentNullException.ThrowIfNull(descriptions);
        ArgumentNullException.ThrowIfNull(judgeOptions);
        var examples = new List<FineTuningExample>();
        foreach (var d in descriptions)
        {
            var image = ImageInput.FromFile(imagesDirectory is null ? d.Image : Path.Combine(imagesDirectory, d.Image), d.Image);
            var parsed = d.ToParsedText();
            var kinds = d.Sentences.Select(s => s.Label).ToList();
            if (judgeOptions.Holistic == true)
            {
                examples.Add(LlavaSentenceRewardModel.CreateHolisticTrainingExample(judgeOptions, image, d.Prompt, parsed, kinds, d.Sentences.Any(s => s.Creative)));
            }
            else
            {
                examples.AddRange(LlavaSentenceRewardModel.CreateTrainingExamples(judgeOptions, image, d.Prompt, parsed, kinds, d.Sentences.Select(s => s.Creative).ToList()));
            }
        }

        return examples;
    }
}
