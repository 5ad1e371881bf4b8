using System.Globalization;

namespace ViGoR.Torch.Training;

/// <summary>
/// The settings of LLaVA fine-tuning (<c>LlavaVisionLanguageModel.FineTuneAsync</c>) beyond <see cref="FineTuningOptions"/>.
/// Set them through <see cref="FineTuningOptions.AdditionalProperties"/> with the <c>*Key</c> names below
/// (values may be numbers, booleans or their invariant-culture strings), or build one and call
/// <see cref="ApplyTo"/>. Defaults follow LLaVA-1.5's fine-tuning scripts and Hugging Face's Trainer.
/// </summary>
public sealed class LlavaFineTuningOptions
{
    /// <summary>Key of <see cref="FreezeVisionTower"/>.</summary>
    public const string FreezeVisionTowerKey = "freeze_vision_tower";

    /// <summary>Key of <see cref="ImageFeatureCache"/> (the value is a <see cref="VisionFeatureCache"/>).</summary>
    public const string ImageFeatureCacheKey = "image_feature_cache";

    /// <summary>
    /// Where the frozen tower's per-image features are kept and reused across steps, epochs and runs
    /// (see <see cref="VisionFeatureCache"/>); null (default) runs the tower for every example, as
    /// Hugging Face's Trainer does. Needs <see cref="FreezeVisionTower"/>. The caller owns and disposes it.
    /// </summary>
    public VisionFeatureCache? ImageFeatureCache { get; set; }

    /// <summary>Key of <see cref="LoraRank"/>.</summary>
    public const string LoraRankKey = "lora_rank";

    /// <summary>Key of <see cref="LoraAlpha"/>.</summary>
    public const string LoraAlphaKey = "lora_alpha";

    /// <summary>Key of <see cref="LoraDropout"/>.</summary>
    public const string LoraDropoutKey = "lora_dropout";

    /// <summary>Key of <see cref="MaxGradNorm"/>.</summary>
    public const string MaxGradNormKey = "max_grad_norm";

    /// <summary>Key of <see cref="KeepCheckpoints"/>.</summary>
    public const string KeepCheckpointsKey = "keep_checkpoints";

    /// <summary>Key of <see cref="GradientCheckpointing"/>.</summary>
    public const string GradientCheckpointingKey = "gradient_checkpointing";

    /// <summary>Key of <see cref="InitialLossScale"/>.</summary>
    public const string InitialLossScaleKey = "initial_loss_scale";

    /// <summary>Key of <see cref="LossScaleGrowthInterval"/>.</summary>
    public const string LossScaleGrowthIntervalKey = "loss_scale_growth_interval";

    /// <summary>
    /// Keep the CLIP vision tower frozen; the projector and the language model are trained. Default
    /// true, as LLaVA's visual instruction tuning stage (<c>finetune.sh</c>: <c>mm_vision_tower</c> frozen,
    /// <c>tune_mm_mlp_adapter</c> off, so the projector and LLM train).
    /// </summary>
    public bool FreezeVisionTower { get; set; } = true;

    /// <summary>Key of <see cref="LoraTargets"/> (<c>all_linear</c> or <c>attention</c>).</summary>
    public const string LoraTargetsKey = "lora_targets";

    /// <summary>Key of <see cref="TrainProjectorWithLora"/>.</summary>
    public const string TrainProjectorWithLoraKey = "lora_train_projector";

    /// <summary>
    /// LoRA rank; 0 (default) trains the full weights. LLaVA-1.5's LoRA recipe (<c>finetune_lora.sh</c>)
    /// uses 128 with alpha 256 on every linear layer of the language model (<see cref="LoraTargets"/>),
    /// the projector trained fully (<see cref="TrainProjectorWithLora"/>), the vision tower frozen.
    /// </summary>
    public int LoraRank { get; set; }

    /// <summary>Which linear layers of the language model get adapters. Default all of them (LLaVA-1.5).</summary>
    public LoraTargets LoraTargets { get; set; } = LoraTargets.AllLinear;

    /// <summary>With LoRA, also train the projector's full weights (LLaVA-1.5 does). Default true.</summary>
    public bool TrainProjectorWithLora { get; set; } = true;

    /// <summary>LoRA scaling numerator (update = B·A·alpha/rank). Null: 2 × rank, LLaVA-1.5's ratio (<c>finetune_lora.sh</c>: r 128, alpha 256).</summary>
    public double? LoraAlpha { get; set; }

    /// <summary>Dropout on the LoRA input. Default 0.05 (LLaVA-1.5 <c>finetune_lora.sh</c>).</summary>
    public double LoraDropout { get; set; } = 0.05;

    /// <summary>Gradient clipping by global L2 norm; 0 disables. Default 1.0 (Hugging Face <c>TrainingArguments.max_grad_norm</c>, which LLaVA keeps).</summary>
    public double MaxGradNorm { get; set; } = 1.0;

    /// <summary>AdamW β1. Default 0.9 (PyTorch / Hugging Face default).</summary>
    public double AdamBeta1 { get; set; } = 0.9;

    /// <summary>AdamW β2. Default 0.999 (PyTorch / Hugging Face default).</summary>
    public double AdamBeta2 { get; set; } = 0.999;

    /// <summary>AdamW ε. Default 1e-8 (PyTorch / Hugging Face default).</summary>
    public double AdamEpsilon { get; set; } = 1e-8;

    /// <summary>How many resumable checkpoints to keep in the checkpoint directory (oldest deleted first). Default 1.</summary>
    public int KeepCheckpoints { get; set; } = 1;

    /// <summary>
    /// Recompute each decoder layer in backward instead of keeping its activations (Hugging Face's
    /// <c>gradient_checkpointing</c>, which LLaVA-1.5's scripts turn on): activation memory falls from
    /// every layer's activations to one hidden state per layer plus one layer's, for about a third
    /// more compute per step. The gradients are those of a run without it, up to float rounding.
    /// Default false.
    /// </summary>
    public bool GradientCheckpointing { get; set; }

    /// <summary>
    /// Float16 only: the loss scale of the first step (dynamic loss scaling, PyTorch's
    /// <c>torch.amp.GradScaler</c>: the mean loss is multiplied by the scale before backward so that small
    /// gradients stay representable in float16, and the gradients are divided by it again in float32
    /// before clipping and AdamW). A step whose gradients overflow (inf or NaN) is skipped and the scale
    /// halved; after <see cref="LossScaleGrowthInterval"/> steps without overflow it doubles. Default
    /// 65536 = 2^16 (GradScaler's <c>init_scale</c>). Float32 and bfloat16 need no scaling (bfloat16 has
    /// float32's exponent range) and ignore it.
    /// </summary>
    public double InitialLossScale { get; set; } = 65536;

    /// <summary>Float16 only: steps without overflow after which the loss scale doubles. Default 2000 (GradScaler's <c>growth_interval</c>).</summary>
    public int LossScaleGrowthInterval { get; set; } = 2000;

    /// <summary>Reads the settings from <paramref name="options"/>' additional properties (absent keys keep the defaults).</summary>
    /// <exception cref="ArgumentException">A value has the wrong type or range; the message names the key.</exception>
    public static LlavaFineTuningOptions From(FineTuningOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var result = new LlavaFineTuningOptions();
        var bag = options.AdditionalProperties;
        result.FreezeVisionTower = Flag(bag, FreezeVisionTowerKey, result.FreezeVisionTower);
        result.ImageFeatureCache = bag.TryGetValue(ImageFeatureCacheKey, out var cache) ? cache switch
        {
            null => null,
            VisionFeatureCache c => c,
            _ => throw new ArgumentException($"{ImageFeatureCacheKey} must be a {nameof(VisionFeatureCache)}, not {cache.GetType().Name}."),
        } : null;
        result.LoraRank = (int)Number(bag, LoraRankKey, result.LoraRank);
        result.LoraAlpha = bag.TryGetValue(LoraAlphaKey, out var alpha) && alpha is not null ? Number(bag, LoraAlphaKey, 0) : null;
        result.LoraDropout = Number(bag, LoraDropoutKey, result.LoraDropout);
        if (bag.TryGetValue(LoraTargetsKey, out var targets) && targets is not null)
        {
            result.LoraTargets = Convert.ToString(targets, CultureInfo.InvariantCulture) switch
            {
                "all_linear" => LoraTargets.AllLinear,
                "attention" => LoraTargets.AttentionOnly,
                var other => throw new ArgumentException($"{LoraTargetsKey} must be all_linear or attention, not '{other}'."),
            };
        }

        result.TrainProjectorWithLora = Flag(bag, TrainProjectorWithLoraKey, result.TrainProjectorWithLora);
        result.MaxGradNorm = Number(bag, MaxGradNormKey, result.MaxGradNorm);
        result.KeepCheckpoints = (int)Number(bag, KeepCheckpointsKey, result.KeepCheckpoints);
        result.GradientCheckpointing = Flag(bag, GradientCheckpointingKey, result.GradientCheckpointing);
        result.InitialLossScale = Number(bag, InitialLossScaleKey, result.InitialLossScale);
        result.LossScaleGrowthInterval = (int)Number(bag, LossScaleGrowthIntervalKey, result.LossScaleGrowthInterval);
        result.Validate();
        return result;
    }

    /// <summary>Writes these settings into <paramref name="options"/>' additional properties.</summary>
    public void ApplyTo(FineTuningOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Validate();
        options.AdditionalProperties[FreezeVisionTowerKey] = FreezeVisionTower;
        options.AdditionalProperties[ImageFeatureCacheKey] = ImageFeatureCache;
        options.AdditionalProperties[LoraRankKey] = LoraRank;
        options.AdditionalProperties[LoraAlphaKey] = LoraAlpha;
        options.AdditionalProperties[LoraDropoutKey] = LoraDropout;
        options.AdditionalProperties[LoraTargetsKey] = LoraTargets == LoraTargets.AllLinear ? "all_linear" : "attention";
        options.AdditionalProperties[TrainProjectorWithLoraKey] = TrainProjectorWithLora;
        options.AdditionalProperties[MaxGradNormKey] = MaxGradNorm;
        options.AdditionalProperties[KeepCheckpointsKey] = KeepCheckpoints;
        options.AdditionalProperties[GradientCheckpointingKey] = GradientCheckpointing;
        options.AdditionalProperties[InitialLossScaleKey] = InitialLossScale;
        options.AdditionalProperties[LossScaleGrowthIntervalKey] = LossScaleGrowthInterval;
    }

    /// <summary>The effective LoRA alpha.</summary>
    internal double EffectiveLoraAlpha => LoraAlpha ?? (2.0 * LoraRank);

    private void Validate()
    {
        if (ImageFeatureCache is not null && !FreezeVisionTower)
        {
            throw new ArgumentException($"{ImageFeatureCacheKey} needs {FreezeVisionTowerKey}: a tower that trains changes its features every step.");
        }

        if (LoraRank < 0)
        {
            throw new ArgumentException($"{LoraRankKey} must be >= 0, not {LoraRank}.");
        }

        if (LoraDropout is < 0 or >= 1)
        {
            throw new ArgumentException($"{LoraDropoutKey} must be in [0, 1), not {LoraDropout}.");
        }

        if (MaxGradNorm < 0)
        {
            throw new ArgumentException($"{MaxGradNormKey} must be >= 0, not {MaxGradNorm}.");
        }

        if (KeepCheckpoints < 1)
        {
            throw new ArgumentException($"{KeepCheckpointsKey} must be >= 1, not {KeepCheckpoints}.");
        }

        if (!(InitialLossScale >= 1) || double.IsInfinity(InitialLossScale))
        {
            throw new ArgumentException($"{InitialLossScaleKey} must be a finite number >= 1, not {InitialLossScale}.");
        }

        if (LossScaleGrowthInterval < 1)
        {
            throw new ArgumentException($"{LossScaleGrowthIntervalKey} must be >= 1, not {LossScaleGrowthInterval}.");
        }
    }

    private static bool Flag(IDictionary<string, object?> bag, string key, bool fallback)
    {
        if (!bag.TryGetValue(key, out var value) || value is null)
        {
            return fallback;
        }

        if (value is bool b)
        {
            return b;
        }

        return bool.TryParse(Convert.ToString(value, CultureInfo.InvariantCulture), out var parsed)
            ? parsed
            : throw new ArgumentException($"FineTuningOptions.AdditionalProperties[\"{key}\"] = '{value}' is not a boolean.");
    }

    private static double Number(IDictionary<string, object?> bag, string key, double fallback)
    {
        if (!bag.TryGetValue(key, out var value) || value is null)
        {
            return fallback;
        }

        try
        {
            return value is string s ? double.Parse(s, CultureInfo.InvariantCulture) : Convert.ToDouble(value, CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is FormatException or InvalidCastException or OverflowException)
        {
            throw new ArgumentException($"FineTuningOptions.AdditionalProperties[\"{key}\"] = '{value}' is not a number.", e);
        }
    }
}

/// <summary>Which linear layers of the language model LoRA adapts.</summary>
public enum LoraTargets
{
    /// <summary>Every linear layer (q, k, v, o, gate, up, down): LLaVA-1.5's recipe.</summary>
    AllLinear,

    /// <summary>The attention projections only (q, k, v, o).</summary>
    AttentionOnly,
}
