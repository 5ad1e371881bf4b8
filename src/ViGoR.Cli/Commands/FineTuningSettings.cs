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
/// The fine-tuning flags of every verb that fine-tunes (<c>vigor run</c>, <c>vigor finetune</c>,
/// <c>vigor train-reward</c>): the optimisation (<see cref="FineTuningOptions"/>), LoRA, checkpointing
/// and the feature cache (<see cref="LlavaFineTuningOptions"/>) and the device, each declared once and
/// turned into options by <see cref="FineTuningOptions(VisionFeatureCache?, int?)"/>. The seed is each
/// verb's own: <c>run</c>'s seeds its sampling.
/// </summary>
internal abstract class FineTuningSettings : DeviceSettings
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

    /// <summary>The LoRA rank of the flags: --lora-rank when given, else 128 with --lora, else 0 (full fine-tuning).</summary>
    public int EffectiveLoraRank => TorchFlags.LoraRank(Lora, LoraRank);

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
    /// The one conversion of these flags into <see cref="ViGoR.FineTuningOptions"/>, with their LLaVA
    /// settings (<see cref="LlavaFineTuningOptions"/>: LoRA, checkpointing, the feature cache, and what
    /// <see cref="ConfigureLlava"/> adds) applied to it.
    /// </summary>
    /// <param name="features">The vision-feature cache of <c>--feature-cache</c> (<see cref="TorchFlags.FeatureCache"/>), or null.</param>
    /// <param name="seed">The seed of the data order and dropout; null keeps <see cref="ViGoR.FineTuningOptions.Seed"/>'s default.</param>
    public FineTuningOptions FineTuningOptions(VisionFeatureCache? features, int? seed = null)
    {
        var options = new FineTuningOptions
        {
            Epochs = Epochs,
            LearningRate = LearningRate,
            BatchSize = BatchSize,
            MicroBatchSize = MicroBatchSize,
            WarmupRatio = WarmupRatio,
            SaveEverySteps = SaveEvery,
        };
        if (seed is { } s)
        {
            options.Seed = s;
        }

        var llava = new LlavaFineTuningOptions { LoraRank = EffectiveLoraRank, GradientCheckpointing = GradientCheckpointing, ImageFeatureCache = features };
        ConfigureLlava(llava);
        llava.ApplyTo(options);
        return options;
    }

    /// <summary>Sets what a verb's own flags add to the LLaVA settings (LoRA targets, a trained tower...).</summary>
    protected virtual void ConfigureLlava(LlavaFineTuningOptions options)
    {
    }
}

/// <summary>
/// The fine-tuning flags plus the training objective's (<c>--objective</c>, <c>--pairs</c>, <c>--dpo-beta</c>,
/// <c>--dpo-loss</c>, <c>--sft-weight</c>): the verbs that fine-tune the LVLM, <c>vigor run</c> and
/// <c>vigor finetune</c>. <see cref="ObjectiveFlags"/> reads them.
/// </summary>
internal abstract class ObjectiveSettings : FineTuningSettings
{
    [CommandOption("--objective <O>")]
    [Description("What the model learns from the supervision: sft (default, the paper: the refined targets) | dpo (preference pairs from the journal; the starting model's reference log-probs are kept in pairs.jsonl: finetune's OUT/, run's round-N/) | sft+dpo (DPO plus --sft-weight times the SFT loss on the chosen answer).")]
    public string Objective { get; init; } = "sft";

    [CommandOption("--pairs <P>")]
    [Description("How preference pairs are built: best-vs-worst (default: the refined target over the most penalised sample) | sentence-level (the refined target over the chosen sample with its dropped sentences kept, weighted by their penalty).")]
    public string Pairs { get; init; } = "best-vs-worst";

    [CommandOption("--dpo-beta <B>")]
    [Description("DPO's beta, > 0 (default 0.1, TRL's): smaller lets the model move further from the reference.")]
    public double DpoBeta { get; init; } = 0.1;

    [CommandOption("--dpo-loss <L>")]
    [Description("sigmoid (default, DPO) | ipo.")]
    public string DpoLoss { get; init; } = "sigmoid";

    [CommandOption("--sft-weight <W>")]
    [Description("With --objective sft+dpo: the weight of the SFT loss on the chosen answer (default 1).")]
    public double SftWeight { get; init; } = 1;

    public override ValidationResult Validate()
    {
        var shared = base.Validate();
        if (!shared.Successful)
        {
            return shared;
        }

        return ObjectiveFlags.Validate(this) is { } objective ? ValidationResult.Error(objective) : ValidationResult.Success();
    }
}
