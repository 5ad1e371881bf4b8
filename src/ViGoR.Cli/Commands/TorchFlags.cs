using ViGoR.Torch;
using ViGoR.Torch.Training;
using static TorchSharp.torch;

namespace ViGoR.Cli.Commands;

/// <summary>
/// The descriptions and readings of the device, dtype, LoRA and checkpointing flags that <c>vigor run</c>,
/// <c>vigor finetune</c>, <c>vigor train-reward</c>, <c>vigor score</c> and <c>vigor generate</c> share
/// (declared once for finetune and train-reward in <see cref="FineTuningSettings"/>).
/// </summary>
internal static class TorchFlags
{
    public const string DeviceDescription = "cpu | cuda | cuda:N. Default: cuda if available, else cpu.";

    public const string DTypeDescription = "float32 or fp32 (default) | bfloat16 or bf16 (mixed precision: bf16 weights and compute, float32 master weights and AdamW moments) | float16 or fp16 (the same, plus dynamic loss scaling: overflowed steps are skipped).";

    public const string LoraDescription = "LoRA as LLaVA-1.5 does it: rank 128, alpha 256 on every linear layer of the language model, the projector trained fully.";

    public const string GradientCheckpointingDescription = "Recompute each decoder layer in backward instead of keeping its activations (LLaVA-1.5's --gradient_checkpointing): far less memory, about a third more compute.";

    public const string FeatureCacheDescription = "Keep the frozen vision tower's features of up to this many images in memory and reuse them in every epoch: the tower runs once per image (default 0: it runs for every example, as Hugging Face's Trainer does). An image costs features x hidden x 4 bytes: 24 KB for the demo's tiny model, 2.4 MB for LLaVA-1.5 7B.";

    /// <summary>The cache <c>--feature-cache IMAGES</c> asks for; null for 0 (no cache). The caller disposes it.</summary>
    public static VisionFeatureCache? FeatureCache(int images) => images > 0 ? new VisionFeatureCache(images) : null;

    /// <summary>Says how often the tower ran for a training run with a feature cache (nothing without one).</summary>
    public static void ReportFeatureCache(VisionFeatureCache? cache)
    {
        if (cache is not null)
        {
            Spectre.Console.AnsiConsole.MarkupLineInterpolated($"Vision features: the tower ran {cache.Misses} time(s); {cache.Count} image(s) cached.");
        }
    }

    /// <summary>LLaVA-1.5's LoRA rank (finetune_lora.sh).</summary>
    public const int LlavaLoraRank = 128;

    /// <summary>
    /// The one reading of <c>--dtype</c>, for every verb that has it: float32 | fp32, bfloat16 | bf16,
    /// float16 | fp16, in any case.
    /// </summary>
    /// <exception cref="ArgumentException">Another spelling; the message lists the accepted ones.</exception>
    public static ScalarType ParseDType(string dtype) => dtype.ToLowerInvariant() switch
    {
        "float32" or "fp32" => ScalarType.Float32,
        "bfloat16" or "bf16" => ScalarType.BFloat16,
        "float16" or "fp16" => ScalarType.Float16,
        _ => throw new ArgumentException($"--dtype '{dtype}' is not float32 (fp32), bfloat16 (bf16) or float16 (fp16)."),
    };

    /// <summary><see cref="ParseDType"/> as a settings validation: a wrong spelling is refused before anything runs.</summary>
    public static Spectre.Console.ValidationResult ValidateDType(string? dtype)
    {
        try
        {
            _ = dtype is null ? default : ParseDType(dtype);
            return Spectre.Console.ValidationResult.Success();
        }
        catch (ArgumentException e)
        {
            return Spectre.Console.ValidationResult.Error(e.Message);
        }
    }

    public static LlavaModelOptions ModelOptions(string? device, string dtype) => new()
    {
        Device = device is null ? null : new Device(device),
        DType = ParseDType(dtype),
    };

    /// <summary>The LoRA rank of the flags: --lora-rank when given, else 128 with --lora, else 0 (full fine-tuning).</summary>
    public static int LoraRank(bool lora, int? rank) => rank ?? (lora ? LlavaLoraRank : 0);

    public static LoraTargets ParseLoraTargets(string targets) => targets switch
    {
        "all-linear" => LoraTargets.AllLinear,
        "attention" => LoraTargets.AttentionOnly,
        _ => throw new ArgumentException($"--lora-targets '{targets}' is not all-linear or attention."),
    };
}
