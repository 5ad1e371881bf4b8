using System.Globalization;
using Microsoft.Extensions.Logging;
using TorchSharp;
using static TorchSharp.torch;
using Parameter = TorchSharp.Modules.Parameter;

namespace ViGoR.Torch.Training;

/// <summary>
/// The fine-tuning loop: shuffled epochs, gradient accumulation over micro-batches, the loss averaged
/// over all target tokens of the optimizer step, global-norm clipping, AdamW with warm-up + cosine,
/// progress, cancellation, and atomic checkpoints that resume bit-identically.
/// </summary>
/// <remarks>
/// Steps per epoch = ceil(examples / batch size); the last step of an epoch takes the remainder (Hugging
/// Face drops or merges it depending on version). The per-step loss is the sum of token losses over
/// the whole effective batch divided by its number of target tokens, as Hugging Face's Trainer does
/// since 4.46 (<c>num_items_in_batch</c>), so the micro-batch size changes memory use, not the update.
/// Tensor work runs synchronously on the calling thread (TorchSharp dispose scopes are thread-static).
/// </remarks>
internal sealed class FineTuningLoop<TExample>
{
    private readonly ITrainingTarget<TExample> _target;
    private readonly FineTuningOptions _options;
    private readonly LlavaFineTuningOptions _extra;
    private readonly ILogger _logger;
    private readonly IReadOnlyDictionary<string, string> _objectiveSettings;

    /// <param name="target">What is trained and its loss.</param>
    /// <param name="options">Optimizer, batch and checkpoint settings.</param>
    /// <param name="extra">LLaVA's settings beyond them (clipping, Adam, LoRA).</param>
    /// <param name="logger">Where checkpoints and per-step losses are logged.</param>
    /// <param name="objectiveSettings">Settings of the loss a resume must share (e.g. DPO's beta), recorded beside the optimizer's; none for plain fine-tuning.</param>
    public FineTuningLoop(ITrainingTarget<TExample> target, FineTuningOptions options, LlavaFineTuningOptions extra, ILogger logger, IReadOnlyDictionary<string, string>? objectiveSettings = null)
    {
        _target = target;
        _objectiveSettings = objectiveSettings ?? new Dictionary<string, string>();
        _options = options;
        _extra = extra;
        _logger = logger;
        Validate(options);
    }

    /// <summary>Number of optimizer steps for <paramref name="exampleCount"/> examples.</summary>
    public int TotalSteps(int exampleCount) => checked(_options.Epochs * (int)Math.Ceiling((double)exampleCount / _options.BatchSize));

    /// <summary>Runs (or resumes) training.</summary>
    /// <param name="examples">The training examples, in a stable order.</param>
    /// <param name="dataFingerprint">Identifies the examples (a resume must see the same ones).</param>
    /// <param name="progress">Reported after every optimizer step.</param>
    /// <param name="cancellationToken">Checked before every micro-batch; on cancellation the last completed step is checkpointed (when a checkpoint directory is set) before the exception propagates.</param>
    public FineTuningResult Run(IReadOnlyList<TExample> examples, string dataFingerprint, IProgress<FineTuningProgress>? progress, CancellationToken cancellationToken)
    {
        if (examples.Count == 0)
        {
            throw new ArgumentException("No fine-tuning examples.", nameof(examples));
        }

        var parameters = _target.TrainableParameters;
        if (parameters.Count == 0)
        {
            throw new InvalidOperationException("Nothing to train: no parameter requires a gradient.");
        }

        int stepsPerEpoch = (int)Math.Ceiling((double)examples.Count / _options.BatchSize);
        int total = TotalSteps(examples.Count);
        var schedule = new LearningRateSchedule(_options.LearningRate, total, _options.WarmupRatio);
        var state = new TrainerState
        {
            TotalSteps = total,
            Seed = _options.Seed,
            DataFingerprint = dataFingerprint,
            Settings = Settings(examples.Count),
        };

        using var runLock = _options.CheckpointDirectory is null ? null : TrainingCheckpoints.Lock(_options.CheckpointDirectory);
        using var optimizer = new AdamW(parameters, _extra.AdamBeta1, _extra.AdamBeta2, _extra.AdamEpsilon, _options.WeightDecay);
        var scaler = _target.ComputeDType == ScalarType.Float16 ? new LossScaler(_extra.InitialLossScale, _extra.LossScaleGrowthInterval) : null;
        int resumedFrom = Resume(state, parameters, optimizer);
        scaler?.Restore(state);
        int lastSaved = resumedFrom;
        double lastLoss = state.LastLoss;
        var device = parameters[0].Parameter.device;
        int[]? order = null;
        int orderEpoch = -1;

        _target.SetTraining(true);
        try
        {
            for (int step = state.GlobalStep; step < total; step++)
            {
                int epoch = step / stepsPerEpoch;
                if (epoch != orderEpoch)
                {
                    order = Permutation(examples.Count, _options.Seed, epoch);
                    orderEpoch = epoch;
                }

                int first = (step % stepsPerEpoch) * _options.BatchSize;
                var batch = order!.Skip(first).Take(_options.BatchSize).Select(i => examples[i]).ToList();
                double lr = schedule.At(step);
                lastLoss = OptimizerStep(batch, parameters, optimizer, scaler, lr, StepSeed(_options.Seed, step), device, cancellationToken);
                scaler?.Record(state);

                state.GlobalStep = step + 1;
                state.Epoch = (step + 1) / stepsPerEpoch;
                state.LastLoss = lastLoss;
                state.LossHistory.Add(lastLoss);
                progress?.Report(new FineTuningProgress(step + 1, total, epoch, lastLoss, lr));
                _logger.LogDebug("Step {Step}/{Total} (epoch {Epoch}): loss {Loss:F4}, lr {LearningRate:E3}", step + 1, total, epoch, lastLoss, lr);

                bool periodic = _options.SaveEverySteps > 0 && state.GlobalStep % _options.SaveEverySteps == 0;
                if (_options.CheckpointDirectory is not null && (periodic || state.GlobalStep == total))
                {
                    Save(state, parameters, optimizer, cancellationToken);
                    lastSaved = state.GlobalStep;
                }
            }
        }
        catch (Exception e) when (_options.CheckpointDirectory is not null && state.GlobalStep > lastSaved)
        {
            // Keep what is done: the last completed step is saved before the cancellation or error propagates.
            _logger.LogWarning("Fine-tuning stopped at step {Step} ({Reason}); saving a checkpoint to resume from.", state.GlobalStep, e.GetType().Name);
            Save(state, parameters, optimizer, CancellationToken.None);
            throw;
        }
        finally
        {
            _target.SetTraining(false);
        }

        return new FineTuningResult(state.GlobalStep, lastLoss, resumedFrom);
    }

    /// <summary>The data order of <paramref name="epoch"/>: a Fisher-Yates shuffle from a generator seeded by (seed, epoch).</summary>
    internal static int[] Permutation(int count, int seed, int epoch)
    {
        var order = Enumerable.Range(0, count).ToArray();
        // Seeded System.Random uses a fixed algorithm across .NET versions, so orders are reproducible.
#pragma warning disable CA5394 // Not for security: a reproducible data order.
        var random = new Random(unchecked((seed * 1_000_003) + epoch));
        for (int i = count - 1; i > 0; i--)
        {
            int j = random.Next(i + 1);
            (order[i], order[j]) = (order[j], order[i]);
        }
#pragma warning restore CA5394

        return order;
    }

    private static ulong StepSeed(int seed, int step) => unchecked(((ulong)(uint)seed << 32) ^ (ulong)(uint)step ^ 0x9E3779B97F4A7C15UL);

    private double OptimizerStep(List<TExample> batch, IReadOnlyList<(string Name, Parameter Parameter)> parameters, AdamW optimizer, LossScaler? scaler, double lr, ulong seed, Device device, CancellationToken cancellationToken)
    {
        double scale = scaler?.Scale ?? 1;
        var (loss, finite) = AccumulateGradients(batch, parameters, seed, device, cancellationToken, scale);
        if (scaler is not null && !finite)
        {
            // GradScaler's rule: an overflowed step changes no weight and no moment; the scale backs off.
            scaler.Overflowed();
            _logger.LogWarning("Float16 gradients overflowed at loss scale {Scale}: step skipped, scale now {Next}.", scale, scaler.Scale);
            return loss;
        }

        optimizer.Update(lr, gradientScale: 1 / scale);
        scaler?.Stepped();
        return loss;
    }

    /// <summary>
    /// Fills every trainable parameter's <c>grad</c> with the gradient of one optimizer step over
    /// <paramref name="batch"/>, times <paramref name="lossScale"/>: each micro-batch's summed token loss
    /// is divided by the step's target-token count (counted before the forwards, as Hugging Face's
    /// Trainer does with <c>num_items_in_batch</c>) and multiplied by the scale before backward, then
    /// the gradients are clipped by the global norm of their unscaled values. The micro-batch size must
    /// not change the result beyond float rounding.
    /// </summary>
    /// <returns>The mean token loss of the step, and whether every gradient is finite (checked only when scaled).</returns>
    internal (double Loss, bool Finite) AccumulateGradients(IReadOnlyList<TExample> batch, IReadOnlyList<(string Name, Parameter Parameter)> parameters, ulong seed, Device device, CancellationToken cancellationToken, double lossScale = 1)
    {
        using (NewDisposeScope())
        {
            // Tensor.grad returns a new handle on every access: read it inside a scope so the handle is released.
            foreach (var (_, p) in parameters)
            {
                p.grad?.zero_();
            }
        }

        long expected = _target.CountTargetTokens(batch);
        if (expected == 0)
        {
            throw new InvalidOperationException("An optimizer step had no target tokens: every example's target is empty after tokenization.");
        }

        double lossSum = 0;
        long tokens = 0;
        double factor = lossScale / expected;
        using var generator = new Generator(seed, device);
        for (int start = 0; start < batch.Count; start += _options.MicroBatchSize)
        {
            cancellationToken.ThrowIfCancellationRequested();
            using var scope = NewDisposeScope();
            var micro = batch.Skip(start).Take(Math.Min(_options.MicroBatchSize, batch.Count - start)).ToList();
            using var guard = NativeScalarRace.Enter();
            var (sum, count) = _target.ComputeLoss(micro, generator);
            (sum * factor).backward();
            lossSum += sum.detach().to(ScalarType.Float64).item<double>();
            tokens += count;
        }

        if (tokens != expected)
        {
            throw new InvalidOperationException($"The step's examples have {expected} target tokens by their labels but the loss counted {tokens}.");
        }

        bool finite = true;
        using (var scope = NewDisposeScope())
        using (no_grad())
        using (NativeScalarRace.Enter())
        {
            // Clipping divides by a scalar (maxNorm / (norm + 1e-6)): the same finalizer race as the forward's.
            var grads = parameters.Select(p => p.Parameter.grad).Where(g => g is not null).Select(g => g!).ToList();
            if (lossScale != 1)
            {
                // One reduction for all gradients: a single host synchronisation per step.
                finite = grads.Count == 0 || stack(grads.Select(g => g.isfinite().all()).ToArray()).all().item<bool>();
            }

            if (finite && _extra.MaxGradNorm > 0)
            {
                ClipGradNorm(grads, _extra.MaxGradNorm, lossScale);
            }
        }

        return (lossSum / tokens, finite);
    }

    /// <summary>
    /// PyTorch's <c>clip_grad_norm_</c> (L2): scale all gradients by min(1, max / (norm + 1e-6)), where norm
    /// is that of the gradients divided by <paramref name="lossScale"/> (GradScaler unscales before clipping).
    /// </summary>
    internal static void ClipGradNorm(List<Tensor> grads, double maxNorm, double lossScale = 1)
    {
        if (grads.Count == 0)
        {
            return;
        }

        var norms = stack(grads.Select(g => linalg.vector_norm(g.to(ScalarType.Float32), 2)).ToArray());
        var total = linalg.vector_norm(norms, 2) / lossScale;
        var coefficient = clamp(maxNorm / (total + 1e-6), max: 1.0);
        foreach (var g in grads)
        {
            g.mul_(coefficient.to(g.dtype));
        }
    }

    private int Resume(TrainerState state, IReadOnlyList<(string Name, Parameter Parameter)> parameters, AdamW optimizer)
    {
        if (_options.CheckpointDirectory is null)
        {
            return 0;
        }

        var checkpoint = TrainingCheckpoints.FindLatest(_options.CheckpointDirectory);
        if (checkpoint is null)
        {
            return 0;
        }

        var saved = TrainingCheckpoints.ReadState(checkpoint);
        var differences = new List<string>();
        if (saved.DataFingerprint != state.DataFingerprint)
        {
            differences.Add("the examples differ");
        }

        foreach (var (key, value) in state.Settings)
        {
            if (!saved.Settings.TryGetValue(key, out var old) || old != value)
            {
                differences.Add($"{key} was {old ?? "unset"}, now {value}");
            }
        }

        foreach (var key in saved.Settings.Keys.Where(k => !state.Settings.ContainsKey(k)))
        {
            differences.Add($"{key} was {saved.Settings[key]}, now unset");
        }

        if (differences.Count > 0)
        {
            throw new InvalidOperationException(
                $"{checkpoint} belongs to another run ({string.Join("; ", differences)}). Use another checkpoint directory, or delete this one to start over.");
        }

        // Stream every tensor into place, one slice at a time: a 7B checkpoint is never in host memory at once.
        var savedWithModel = _target.SavedWithModel;
        _target.RestoreSavedWithModel(checkpoint, CancellationToken.None);
        var trainableFile = Path.Combine(checkpoint, TrainingCheckpoints.TrainerFolder, TrainingCheckpoints.TrainableFile);
        var byName = parameters.ToDictionary(p => p.Name, p => p.Parameter, StringComparer.Ordinal);
        var restored = new HashSet<string>(savedWithModel, StringComparer.Ordinal);
        if (File.Exists(trainableFile))
        {
            TrainingCheckpoints.ForEachTensor(trainableFile, (name, t) =>
            {
                if (!byName.TryGetValue(name, out var p) || !t.shape.SequenceEqual(p.shape))
                {
                    throw new InvalidDataException($"{trainableFile}: '{name}' is not a trainable parameter of this run, or is mis-shaped.");
                }

                using (no_grad())
                {
                    p.copy_(t);
                }

                restored.Add(name);
            });
        }

        if (parameters.FirstOrDefault(p => !restored.Contains(p.Name)) is { Name: { } lost })
        {
            throw new InvalidDataException($"{checkpoint}: trainable parameter '{lost}' is in neither the model folder nor {trainableFile}.");
        }

        // AdamW counts the updates it made (its bias correction): a skipped float16 step made none.
        optimizer.Load(
            read => TrainingCheckpoints.ForEachTensor(Path.Combine(checkpoint, TrainingCheckpoints.TrainerFolder, TrainingCheckpoints.OptimizerFile), read),
            saved.GlobalStep - saved.SkippedSteps,
            Path.Combine(checkpoint, TrainingCheckpoints.TrainerFolder, TrainingCheckpoints.OptimizerFile));

        state.GlobalStep = saved.GlobalStep;
        state.Epoch = saved.Epoch;
        state.LastLoss = saved.LastLoss;
        state.LossHistory = saved.LossHistory;
        state.LossScale = saved.LossScale;
        state.LossScaleGoodSteps = saved.LossScaleGoodSteps;
        state.SkippedSteps = saved.SkippedSteps;
        _logger.LogInformation("Resuming fine-tuning from {Checkpoint} at step {Step} of {Total}.", checkpoint, saved.GlobalStep, state.TotalSteps);
        return saved.GlobalStep;
    }

    private void Save(TrainerState state, IReadOnlyList<(string Name, Parameter Parameter)> parameters, AdamW optimizer, CancellationToken cancellationToken)
    {
        var folder = TrainingCheckpoints.Save(
            _options.CheckpointDirectory!,
            state,
            dir => _target.SaveModel(dir, cancellationToken),
            parameters.Where(p => !_target.SavedWithModel.Contains(p.Name)).Select(p => new KeyValuePair<string, Tensor>(p.Name, p.Parameter)).ToList(),
            optimizer.StateTensors().OrderBy(p => p.Key, StringComparer.Ordinal).ToList(),
            _extra.KeepCheckpoints,
            cancellationToken);
        _logger.LogInformation("Saved checkpoint {Checkpoint} (step {Step} of {Total}).", folder, state.GlobalStep, state.TotalSteps);
    }

    private SortedDictionary<string, string> Settings(int exampleCount)
    {
        static string F(double d) => d.ToString("R", CultureInfo.InvariantCulture);
        var settings = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["examples"] = exampleCount.ToString(CultureInfo.InvariantCulture),
            ["learning_rate"] = F(_options.LearningRate),
            ["epochs"] = _options.Epochs.ToString(CultureInfo.InvariantCulture),
            ["batch_size"] = _options.BatchSize.ToString(CultureInfo.InvariantCulture),
            ["warmup_ratio"] = F(_options.WarmupRatio),
            ["weight_decay"] = F(_options.WeightDecay),
            ["seed"] = _options.Seed.ToString(CultureInfo.InvariantCulture),
            ["max_grad_norm"] = F(_extra.MaxGradNorm),
            ["adam"] = $"{F(_extra.AdamBeta1)},{F(_extra.AdamBeta2)},{F(_extra.AdamEpsilon)}",
            ["freeze_vision_tower"] = _extra.FreezeVisionTower ? "true" : "false",
            ["lora"] = _extra.LoraRank == 0 ? "off" : $"r={_extra.LoraRank},alpha={F(_extra.EffectiveLoraAlpha)},dropout={F(_extra.LoraDropout)},targets={_extra.LoraTargets},projector={_extra.TrainProjectorWithLora}",
        };

        // Checkpointing changes the gradients by float rounding, so a resume must keep it. Set only when
        // on, so checkpoints written before the setting existed still resume without it.
        if (_extra.GradientCheckpointing)
        {
            settings["gradient_checkpointing"] = "true";
        }

        foreach (var (key, value) in _objectiveSettings)
        {
            settings[key] = value;
        }

        if (_target.ComputeDType == ScalarType.Float16)
        {
            settings["loss_scaling"] = $"init={F(_extra.InitialLossScale)},growth_interval={_extra.LossScaleGrowthInterval.ToString(CultureInfo.InvariantCulture)}";
        }

        return settings;
    }

    private static void Validate(FineTuningOptions options)
    {
        if (options.BatchSize < 1 || options.MicroBatchSize < 1 || options.Epochs < 1)
        {
            throw new ArgumentException($"BatchSize ({options.BatchSize}), MicroBatchSize ({options.MicroBatchSize}) and Epochs ({options.Epochs}) must be >= 1.");
        }

        if (options.BatchSize % options.MicroBatchSize != 0)
        {
            throw new ArgumentException($"BatchSize ({options.BatchSize}) must be a multiple of MicroBatchSize ({options.MicroBatchSize}): gradients accumulate over BatchSize / MicroBatchSize passes.");
        }

        if (options.LearningRate <= 0 || double.IsNaN(options.LearningRate))
        {
            throw new ArgumentException($"LearningRate must be > 0, not {options.LearningRate}.");
        }

        if (options.SaveEverySteps < 0)
        {
            throw new ArgumentException($"SaveEverySteps must be >= 0, not {options.SaveEverySteps}.");
        }
    }
}

/// <summary>
/// Dynamic loss scaling for float16 (PyTorch's <c>GradScaler</c> with growth factor 2, backoff 0.5): the
/// loss is multiplied by <see cref="Scale"/> before backward so that gradients below float16's smallest
/// normal (6e-5) survive; an overflowed step halves the scale, and <c>growthInterval</c> clean steps in a
/// row double it. Its state is part of the trainer state, so a resumed run scales as an uninterrupted one.
/// </summary>
internal sealed class LossScaler(double initialScale, int growthInterval)
{
    private int _goodSteps;

    public double Scale { get; private set; } = initialScale;

    public int SkippedSteps { get; private set; }

    public void Overflowed()
    {
        Scale = Math.Max(Scale * 0.5, double.Epsilon);
        _goodSteps = 0;
        SkippedSteps++;
    }

    public void Stepped()
    {
        if (++_goodSteps >= growthInterval)
        {
            Scale *= 2;
            _goodSteps = 0;
        }
    }

    public void Record(TrainerState state)
    {
        state.LossScale = Scale;
        state.LossScaleGoodSteps = _goodSteps;
        state.SkippedSteps = SkippedSteps;
    }

    public void Restore(TrainerState state)
    {
        if (state.LossScale is { } scale)
        {
            Scale = scale;
            _goodSteps = state.LossScaleGoodSteps;
            SkippedSteps = state.SkippedSteps;
        }
    }
}
