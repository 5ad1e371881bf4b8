using System.ComponentModel;
using Spectre.Console;
using Spectre.Console.Cli;
using ViGoR.Torch;
using ViGoR.Torch.Training;

namespace ViGoR.Cli.Commands;

/// <summary><c>--device</c> and <c>--dtype</c>: where a LLaVA is loaded and in which precision, declared once for every verb that derives from it.</summary>
internal abstract class DeviceSettings : CommandSettings
{
    [CommandOption("--device <DEVICE>")]
    [Description(TorchFlags.DeviceDescription)]
    public string? Device { get; init; }

    [CommandOption("--dtype <DTYPE>")]
    [Description(TorchFlags.DTypeDescription)]
    public string DType { get; init; } = "float32";

    /// <summary>The model options of <c>--device</c> and <c>--dtype</c>.</summary>
    public LlavaModelOptions ModelOptions() => TorchFlags.ModelOptions(Device, DType);

    public override ValidationResult Validate() => TorchFlags.ValidateDType(DType);
}

/// <summary>
/// The fine-tuning flags every verb that fine-tunes has. <c>vigor run</c> declares its own (its settings
/// derive from <see cref="SelectionSettings"/>, shared with <c>vigor merge</c>, and a class has one base), so
/// the flags are read through this interface, by <see cref="FineTuningFlags.FineTuningOptions"/> alone.
/// </summary>
internal interface IFineTuningFlags
{
    int Epochs { get; }

    double LearningRate { get; }

    int BatchSize { get; }

    int MicroBatchSize { get; }

    int SaveEvery { get; }

    bool Lora { get; }

    int? LoraRank { get; }

    bool GradientCheckpointing { get; }
}

/// <summary>The one conversion of the fine-tuning flags into options.</summary>
internal static class FineTuningFlags
{
    /// <summary>The LoRA rank of the flags: --lora-rank when given, else 128 with --lora, else 0 (full fine-tuning).</summary>
    public static int EffectiveLoraRank(this IFineTuningFlags flags) => TorchFlags.LoraRank(flags.Lora, flags.LoraRank);

    /// <summary>
    /// <see cref="ViGoR.FineTuningOptions"/> of the flags, with their LLaVA settings (<see cref="LlavaFineTuningOptions"/>:
    /// LoRA, checkpointing, the feature cache, and whatever <paramref name="configure"/> adds) applied to it.
    /// </summary>
    public static FineTuningOptions FineTuningOptions(this IFineTuningFlags flags, VisionFeatureCache? features = null, Action<LlavaFineTuningOptions>? configure = null)
    {
        var options = new FineTuningOptions
        {
            Epochs = flags.Epochs,
            LearningRate = flags.LearningRate,
            BatchSize = flags.BatchSize,
            MicroBatchSize = flags.MicroBatchSize,
            SaveEverySteps = flags.SaveEvery,
        };
        var llava = new LlavaFineTuningOptions { LoraRank = flags.EffectiveLoraRank(), GradientCheckpointing = flags.GradientCheckpointing, ImageFeatureCache = features };
        configure?.Invoke(llava);
        llava.ApplyTo(options);
        return options;
    }
}

/// <summary>
/// The fine-tuning flags of <c>vigor finetune</c> and <c>vigor train-reward</c>: the optimisation
/// (<see cref="FineTuningOptions"/>), LoRA and checkpointing (<see cref="LlavaFineTuningOptions"/>) and the
/// device, each declared once and turned into options by <see cref="FineTuningOptions(VisionFeatureCache?)"/>.
/// </summary>
internal abstract class FineTuningSettings : DeviceSettings, IFineTuningFlags
{
    [CommandOption("--epochs <N>")]
    [Description("Passes over the data (default: the paper's, 2 for fine-tuning the LVLM, 5 for training the reward model).")]
    public int Epochs { get; init; } = 2;

    [CommandOption("--lr <LR>")]
    [Description("Peak learning rate (default 2e-5, the ViGoR paper).")]
    public double LearningRate { get; init; } = 2e-5;

    [CommandOption("--batch-size <N>")]
    [Description("Examples per optimizer step (default 32, the ViGoR paper).")]
    public int BatchSize { get; init; } = 32;

    [CommandOption("--micro-batch-size <N>")]
    [Description("Examples per forward pass; gradients accumulate to --batch-size (default 1).")]
    public int MicroBatchSize { get; init; } = 1;

    [CommandOption("--warmup-ratio <R>")]
    [Description("Fraction of steps of linear warm-up before the cosine decay (default 0.03, LLaVA).")]
    public double WarmupRatio { get; init; } = 0.03;

    [CommandOption("--lora")]
    [Description(TorchFlags.LoraDescription)]
    public bool Lora { get; init; }

    [CommandOption("--lora-rank <R>")]
    [Description("LoRA rank (default 128 with --lora; 0 trains the projector and the full language model).")]
    public int? LoraRank { get; init; }

    [CommandOption("--gradient-checkpointing")]
    [Description(TorchFlags.GradientCheckpointingDescription)]
    public bool GradientCheckpointing { get; init; }

    [CommandOption("--feature-cache <IMAGES>")]
    [Description(TorchFlags.FeatureCacheDescription)]
    public int FeatureCache { get; init; }

    [CommandOption("--save-every <N>")]
    [Description("Checkpoint every N optimizer steps (default 50; always at the end and on Ctrl+C), so a rerun resumes mid-training.")]
    public int SaveEvery { get; init; } = 50;

    [CommandOption("--seed <S>")]
    [Description("Seed of the data order and dropout, and of train-reward's held-out split (default 42).")]
    public int Seed { get; init; } = 42;

    public override ValidationResult Validate()
    {
        var device = base.Validate();
        if (!device.Successful)
        {
            return device;
        }

        if (Epochs < 1 || BatchSize < 1 || MicroBatchSize < 1 || BatchSize % MicroBatchSize != 0)
        {
            return ValidationResult.Error("--epochs, --batch-size and --micro-batch-size must be >= 1, and --batch-size a multiple of --micro-batch-size.");
        }

        if (LearningRate <= 0 || WarmupRatio is < 0 or > 1 || LoraRank < 0 || SaveEvery < 0 || FeatureCache < 0)
        {
            return ValidationResult.Error("--lr must be > 0, --warmup-ratio in [0, 1], --lora-rank, --save-every and --feature-cache >= 0.");
        }

        return ValidationResult.Success();
    }

    /// <summary>
    /// <see cref="FineTuningFlags.FineTuningOptions"/> of these flags, with the warm-up and seed that
    /// <c>vigor run</c> leaves at their defaults, and <see cref="ConfigureLlava"/>.
    /// </summary>
    /// <param name="features">The vision-feature cache of <c>--feature-cache</c> (<see cref="TorchFlags.FeatureCache"/>), or null.</param>
    public FineTuningOptions FineTuningOptions(VisionFeatureCache? features)
    {
        var options = FineTuningFlags.FineTuningOptions(this, features, ConfigureLlava);
        options.WarmupRatio = WarmupRatio;
        options.Seed = Seed;
        return options;
    }

    /// <summary>Sets what a verb's own flags add to the LLaVA settings (LoRA targets, a trained tower...).</summary>
    protected virtual void ConfigureLlava(LlavaFineTuningOptions options)
    {
    }
}
