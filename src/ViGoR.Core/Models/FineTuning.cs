namespace ViGoR;

/// <summary>One supervised example: the model should answer <see cref="Prompt"/> about <see cref="Image"/> with <see cref="Target"/>.</summary>
public sealed record FineTuningExample(ImageInput Image, string Prompt, string Target);

/// <summary>Fine-tuning settings. Defaults are the ViGoR paper's (Yan et al., Sec. 3.5 and 4.2).</summary>
public sealed class FineTuningOptions
{
    /// <summary>Peak learning rate. Default 2e-5 (paper).</summary>
    public double LearningRate { get; set; } = 2e-5;

    /// <summary>Passes over the data. Default 2 (paper).</summary>
    public int Epochs { get; set; } = 2;

    /// <summary>Effective batch size (examples per optimizer step). Default 32 (paper).</summary>
    public int BatchSize { get; set; } = 32;

    /// <summary>Examples per forward pass; gradients accumulate over BatchSize / MicroBatchSize passes.</summary>
    public int MicroBatchSize { get; set; } = 1;

    /// <summary>Fraction of steps with linear warm-up before the cosine decay (LLaVA uses 0.03).</summary>
    public double WarmupRatio { get; set; } = 0.03;

    /// <summary>AdamW weight decay (LLaVA uses 0).</summary>
    public double WeightDecay { get; set; }

    /// <summary>Seed for data order and dropout.</summary>
    public int Seed { get; set; } = 42;

    /// <summary>Where to keep resumable state (weights, optimizer, step); null disables resume.</summary>
    public string? CheckpointDirectory { get; set; }

    /// <summary>Save resumable state every this many optimizer steps (0: only at the end).</summary>
    public int SaveEverySteps { get; set; }

    /// <summary>Settings the abstraction does not name (e.g. LoRA rank, frozen modules).</summary>
    public IDictionary<string, object?> AdditionalProperties { get; init; } = new Dictionary<string, object?>();

    /// <summary>A copy.</summary>
    public FineTuningOptions Clone() => new()
    {
        LearningRate = LearningRate,
        Epochs = Epochs,
        BatchSize = BatchSize,
        MicroBatchSize = MicroBatchSize,
        WarmupRatio = WarmupRatio,
        WeightDecay = WeightDecay,
        Seed = Seed,
        CheckpointDirectory = CheckpointDirectory,
        SaveEverySteps = SaveEverySteps,
        AdditionalProperties = new Dictionary<string, object?>(AdditionalProperties),
    };
}

/// <summary>Progress of a fine-tuning run, reported after each optimizer step.</summary>
/// <param name="Step">Optimizer steps done (1-based after the first step).</param>
/// <param name="TotalSteps">Optimizer steps in the whole run.</param>
/// <param name="Epoch">Current epoch (0-based).</param>
/// <param name="Loss">Mean loss per target token over the step.</param>
/// <param name="LearningRate">Learning rate used for the step.</param>
public sealed record FineTuningProgress(int Step, int TotalSteps, int Epoch, double Loss, double LearningRate);

/// <summary>The outcome of a fine-tuning run.</summary>
/// <param name="Steps">Optimizer steps taken in total (including those before a resume).</param>
/// <param name="FinalLoss">Loss of the last step.</param>
/// <param name="ResumedFromStep">The step the run resumed at, 0 for a fresh run.</param>
public sealed record FineTuningResult(int Steps, double FinalLoss, int ResumedFromStep);
