namespace ViGoR;

/// <summary>Where ONNX Runtime runs the model.</summary>
public enum GroundingDinoExecutionProvider
{
    /// <summary>The CPU provider (always available).</summary>
    Cpu,

    /// <summary>NVIDIA CUDA. Needs the Microsoft.ML.OnnxRuntime.Gpu native package and the CUDA/cuDNN libraries it was built for.</summary>
    Cuda,

    /// <summary>NVIDIA TensorRT (with CUDA for the nodes TensorRT does not take). Needs TensorRT's libraries as well.</summary>
    TensorRT,
}

/// <summary>The two Grounding DINO ONNX export signatures the detector recognises.</summary>
public enum GroundingDinoExportFormat
{
    /// <summary>
    /// Hugging Face transformers / transformers.js export (e.g. onnx-community/grounding-dino-tiny-ONNX):
    /// inputs pixel_values, input_ids, token_type_ids, attention_mask [, pixel_mask];
    /// outputs logits [B, 900, 256], pred_boxes [B, 900, 4].
    /// </summary>
    HuggingFace,

    /// <summary>
    /// Export of the original IDEA-Research model: inputs img, input_ids, attention_mask,
    /// position_ids, token_type_ids, text_token_mask; outputs logits, boxes.
    /// </summary>
    IdeaResearch,
}

/// <summary>Settings of <see cref="GroundingDinoDetector"/>, fixed when the detector is created.</summary>
public sealed class GroundingDinoOptions
{
    /// <summary>
    /// The model folder (the .onnx file, directly or under <c>onnx/</c>, plus <c>tokenizer.json</c>
    /// or <c>vocab.txt</c> and optionally <c>preprocessor_config.json</c>), or the path of the .onnx
    /// file itself (the other files are then looked up beside it and in its parent folder).
    /// </summary>
    public string ModelPath { get; set; } = string.Empty;

    /// <summary>Which .onnx file to load when the folder holds several (e.g. <c>model_quantized.onnx</c>). Default: the only one, else <c>model.onnx</c>.</summary>
    public string? ModelFileName { get; set; }

    /// <summary>The execution provider; default <see cref="GroundingDinoExecutionProvider.Cpu"/>.</summary>
    public GroundingDinoExecutionProvider ExecutionProvider { get; set; } = GroundingDinoExecutionProvider.Cpu;

    /// <summary>GPU index for CUDA / TensorRT.</summary>
    public int DeviceId { get; set; }

    /// <summary>
    /// When the requested provider's native libraries are missing: false (default) logs a warning
    /// and falls back to the CPU; true throws <see cref="InvalidOperationException"/>.
    /// </summary>
    public bool RequireExecutionProvider { get; set; }

    /// <summary>
    /// Most images per model call when the export's batch dimension is dynamic (default 4). Images
    /// of different sizes share a call only when the export takes a <c>pixel_mask</c>.
    /// </summary>
    public int MaxBatchSize { get; set; } = 4;

    /// <summary>
    /// Most text tokens per call, [CLS] and [SEP] included: Grounding DINO's <c>max_text_len</c>
    /// (256 in both the IDEA-Research config and transformers' GroundingDinoConfig). Longer phrase
    /// lists are split between phrases into several calls.
    /// </summary>
    public int MaxTextTokens { get; set; } = 256;

    /// <summary>Threads ONNX Runtime uses within one operator; null leaves its default (all cores).</summary>
    public int? IntraOpNumThreads { get; set; }

    /// <summary>A copy.</summary>
    public GroundingDinoOptions Clone() => (GroundingDinoOptions)MemberwiseClone();
}
