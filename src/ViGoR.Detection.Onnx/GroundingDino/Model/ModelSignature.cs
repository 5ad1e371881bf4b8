using System.Text;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace ViGoR;

/// <summary>What the loaded ONNX graph expects, read from its input/output metadata (never from its file name).</summary>
internal sealed class ModelSignature
{
    private static readonly string[] HfInputs = ["pixel_values", "input_ids", "token_type_ids", "attention_mask", "pixel_mask"];
    private static readonly string[] HfOutputs = ["logits", "pred_boxes"];
    private static readonly string[] IdeaInputs = ["img", "input_ids", "attention_mask", "position_ids", "token_type_ids", "text_token_mask"];
    private static readonly string[] IdeaOutputs = ["logits", "boxes"];

    private ModelSignature(GroundingDinoExportFormat format, IReadOnlyDictionary<string, NodeMetadata> inputs, string imageInput, string boxesOutput)
    {
        Format = format;
        InputTypes = inputs.ToDictionary(p => p.Key, p => p.Value.ElementDataType, StringComparer.Ordinal);
        ImageInput = imageInput;
        BoxesOutput = boxesOutput;
        var image = inputs[imageInput].Dimensions;
        FixedBatch = image[0] > 0 ? image[0] : null;
        FixedHeight = image[2] > 0 ? image[2] : null;
        FixedWidth = image[3] > 0 ? image[3] : null;
        var ids = inputs["input_ids"].Dimensions;
        FixedTextLength = ids[1] > 0 ? ids[1] : null;
        if (FixedBatch is null && ids[0] > 0)
        {
            FixedBatch = ids[0];
        }
    }

    public GroundingDinoExportFormat Format { get; }

    /// <summary>Element type of each declared input.</summary>
    public IReadOnlyDictionary<string, TensorElementType> InputTypes { get; }

    public string ImageInput { get; }

    public const string LogitsOutput = "logits";

    public string BoxesOutput { get; }

    /// <summary>The batch size the export was fixed to, or null when dynamic.</summary>
    public int? FixedBatch { get; }

    /// <summary>The image height the export was fixed to, or null when dynamic.</summary>
    public int? FixedHeight { get; }

    /// <summary>The image width the export was fixed to, or null when dynamic.</summary>
    public int? FixedWidth { get; }

    /// <summary>The text length the export was fixed to (text is then padded with [PAD]), or null when dynamic.</summary>
    public int? FixedTextLength { get; }

    public bool HasInput(string name) => InputTypes.ContainsKey(name);

    /// <summary>Recognises the export from <paramref name="session"/>'s metadata.</summary>
    /// <exception cref="InvalidDataException">Neither signature matches; the message lists expected and found names, types and shapes.</exception>
    public static ModelSignature Detect(InferenceSession session, string modelPath)
    {
        var inputs = session.InputMetadata;
        var outputs = session.OutputMetadata;
        var names = inputs.Keys.ToHashSet(StringComparer.Ordinal);
        var outNames = outputs.Keys.ToHashSet(StringComparer.Ordinal);

        GroundingDinoExportFormat? format = null;
        if (names.Contains("pixel_values") && names.Contains("input_ids") && names.Contains("attention_mask")
            && names.IsSubsetOf(HfInputs) && outNames.IsSupersetOf(HfOutputs))
        {
            format = GroundingDinoExportFormat.HuggingFace;
        }
        else if (names.SetEquals(IdeaInputs) && outNames.IsSupersetOf(IdeaOutputs))
        {
            format = GroundingDinoExportFormat.IdeaResearch;
        }

        var problems = new List<string>();
        if (format is { } f)
        {
            var image = f == GroundingDinoExportFormat.HuggingFace ? "pixel_values" : "img";
            var boxes = f == GroundingDinoExportFormat.HuggingFace ? "pred_boxes" : "boxes";
            CheckShape(inputs[image], image, 4, TensorElementType.Float, problems, channelsAt1: true);
            CheckShape(inputs["input_ids"], "input_ids", 2, null, problems);
            CheckShape(outputs["logits"], "logits", 3, TensorElementType.Float, problems);
            CheckShape(outputs[boxes], boxes, 3, TensorElementType.Float, problems, lastDim: 4);
            foreach (var (name, meta) in inputs)
            {
                if (name != image && meta.ElementDataType is not (TensorElementType.Int64 or TensorElementType.Int32 or TensorElementType.Bool))
                {
                    problems.Add($"input '{name}' is {meta.ElementDataType}; expected int64, int32 or bool");
                }
            }

            if (problems.Count == 0)
            {
                return new ModelSignature(f, inputs, image, boxes);
            }
        }

        var message = new StringBuilder();
        message.Append("Model '").Append(modelPath).Append("' is not a Grounding DINO export this detector recognises.");
        if (problems.Count > 0)
        {
            message.Append(" It looks like the ").Append(format).Append(" export but: ").Append(string.Join("; ", problems)).Append('.');
        }

        message.Append("\nFound inputs: ").Append(Describe(inputs))
            .Append("\nFound outputs: ").Append(Describe(outputs))
            .Append("\nExpected either the Hugging Face / transformers.js export: inputs pixel_values float[B,3,H,W], input_ids int64[B,L], token_type_ids int64[B,L], attention_mask int64[B,L] (pixel_mask int64[B,H,W] optional); outputs logits float[B,900,256], pred_boxes float[B,900,4]")
            .Append("\nor the IDEA-Research export: inputs img float[B,3,H,W], input_ids int64[B,L], attention_mask bool[B,L], position_ids int64[B,L], token_type_ids int64[B,L], text_token_mask bool[B,L,L]; outputs logits float[B,900,256], boxes float[B,900,4].");
        throw new InvalidDataException(message.ToString());
    }

    private static void CheckShape(NodeMetadata meta, string name, int rank, TensorElementType? type, List<string> problems, bool channelsAt1 = false, int? lastDim = null)
    {
        if (!meta.IsTensor)
        {
            problems.Add($"'{name}' is not a tensor");
            return;
        }

        if (meta.Dimensions.Length != rank)
        {
            problems.Add($"'{name}' has rank {meta.Dimensions.Length}; expected {rank}");
            return;
        }

        if (type is { } t && meta.ElementDataType != t)
        {
            problems.Add($"'{name}' is {meta.ElementDataType}; expected {t}");
        }

        if (channelsAt1 && meta.Dimensions[1] > 0 && meta.Dimensions[1] != 3)
        {
            problems.Add($"'{name}' has {meta.Dimensions[1]} channels; expected 3 (RGB, channels first)");
        }

        if (lastDim is { } d && meta.Dimensions[^1] > 0 && meta.Dimensions[^1] != d)
        {
            problems.Add($"'{name}' has last dimension {meta.Dimensions[^1]}; expected {d}");
        }
    }

    private static string Describe(IReadOnlyDictionary<string, NodeMetadata> nodes) =>
        string.Join(", ", nodes.Select(p => p.Value.IsTensor
            ? $"{p.Key} {p.Value.ElementDataType}[{string.Join(",", p.Value.Dimensions.Select((d, i) => d > 0 ? d.ToString(System.Globalization.CultureInfo.InvariantCulture) : (p.Value.SymbolicDimensions is { Length: > 0 } s && i < s.Length && s[i].Length > 0 ? s[i] : "?")))}]"
            : $"{p.Key} (not a tensor)"));
}
