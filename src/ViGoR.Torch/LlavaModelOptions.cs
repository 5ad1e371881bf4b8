using ViGoR.Torch.Tokenization;
using static TorchSharp.torch;

namespace ViGoR.Torch;

/// <summary>How to load and run a <see cref="LlavaVisionLanguageModel"/>. Null properties mean "the default described".</summary>
public sealed class LlavaModelOptions
{
    /// <summary>Where the weights live. Null: CUDA when TorchSharp sees a CUDA device, else the CPU.</summary>
    public Device? Device { get; set; }

    /// <summary>
    /// Parameter dtype (Float32, BFloat16 or Float16). Null: Float32 on the CPU, Float16 on CUDA (the dtype
    /// LLaVA checkpoints are stored in). Checkpoint tensors are converted as they load.
    /// </summary>
    public ScalarType? DType { get; set; }

    /// <summary>
    /// Prompt format. Null: <see cref="ConversationMode.LlavaHf"/> for Hugging Face folders and
    /// <see cref="ConversationMode.VicunaV1"/> (what LLaVA-1.5's eval scripts use) for original LLaVA.
    /// </summary>
    public ConversationMode? ConversationMode { get; set; }

    /// <summary>
    /// For original LLaVA checkpoints: the local CLIP folder (config.json, weights, preprocessor_config.json)
    /// that <c>mm_vision_tower</c> names. Null: the name itself if it is a folder (absolute or relative to
    /// the model), else the Hugging Face hub cache (HF_HUB_CACHE / HF_HOME / ~/.cache/huggingface/hub).
    /// </summary>
    public string? VisionTowerDirectory { get; set; }

    /// <summary>Pad images to a square with the mean colour before preprocessing. Null: the checkpoint's <c>image_aspect_ratio</c> ("pad" in LLaVA-1.5; llava-hf processors do not pad).</summary>
    public bool? PadToSquare { get; set; }

    /// <summary>Reports loading steps (file names).</summary>
    public IProgress<string>? LoadProgress { get; set; }

    /// <summary>A copy.</summary>
    public LlavaModelOptions Clone() => (LlavaModelOptions)MemberwiseClone();
}
