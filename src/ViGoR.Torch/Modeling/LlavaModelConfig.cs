using System.Text.Json;

namespace ViGoR.Torch.Modeling;

/// <summary>Where a checkpoint's weights and names come from.</summary>
public enum LlavaCheckpointLayout
{
    /// <summary>Hugging Face <c>LlavaForConditionalGeneration</c> (keys <c>language_model.model.*</c> or the newer <c>model.language_model.*</c>).</summary>
    HuggingFace,

    /// <summary>Original LLaVA (<c>LlavaLlamaForCausalLM</c>: <c>model.*</c>, <c>model.mm_projector.*</c>, CLIP tower in its own folder).</summary>
    OriginalLlava,
}

/// <summary>The resolved settings of a LLaVA model, whichever checkpoint format they came from.</summary>
public sealed class LlavaModelConfig
{
    /// <summary>The image token id that original LLaVA puts in prompts (<c>IMAGE_TOKEN_INDEX</c> in llava/constants.py).</summary>
    public const int OriginalImageTokenIndex = -200;

    /// <summary>The LLaMA settings.</summary>
    public required LlamaTextConfig Text { get; init; }

    /// <summary>The CLIP tower settings.</summary>
    public required ClipVisionConfig Vision { get; init; }

    /// <summary>The checkpoint format.</summary>
    public required LlavaCheckpointLayout Layout { get; init; }

    /// <summary>The id that marks where an image's features go (32000 in llava-hf, -200 in original LLaVA).</summary>
    public required int ImageTokenIndex { get; init; }

    /// <summary>Vision hidden-state indices whose outputs are concatenated (usually one: -2).</summary>
    public required IReadOnlyList<int> VisionFeatureLayers { get; init; }

    /// <summary>True to keep the CLS token in the image features ("full" / "cls_patch").</summary>
    public required bool KeepClsToken { get; init; }

    /// <summary>True for LLaVA-1.5's two-layer MLP projector, false for v1's single linear.</summary>
    public required bool ProjectorIsMlp { get; init; }

    /// <summary>Activation between the projector linears (gelu).</summary>
    public string ProjectorHiddenAct { get; init; } = "gelu";

    /// <summary>Whether the projector linears have biases.</summary>
    public bool ProjectorBias { get; init; } = true;

    /// <summary>True when images are padded to a square with the mean colour first (LLaVA-1.5 <c>image_aspect_ratio: pad</c>).</summary>
    public bool PadToSquare { get; init; }

    /// <summary>For original LLaVA: the vision tower name or folder from <c>mm_vision_tower</c>.</summary>
    public string? VisionTowerName { get; init; }

    /// <summary>Image feature vectors spliced in per image.</summary>
    public int ImageFeatureCount => Vision.NumPatches + (KeepClsToken ? 1 : 0);

    /// <summary>Width of the features fed to the projector.</summary>
    public int ProjectorInputSize => Vision.HiddenSize * VisionFeatureLayers.Count;

    /// <summary>Reads <c>config.json</c> in <paramref name="directory"/>; for original LLaVA the vision settings come from <paramref name="visionTowerDirectory"/>.</summary>
    /// <exception cref="InvalidDataException">The file is missing, malformed, or describes something unsupported; the message names the file and key.</exception>
    public static LlavaModelConfig Load(string directory, string? visionTowerDirectory = null)
    {
        var path = Path.Combine(directory, "config.json");
        var file = ReadJson<LlavaConfigFile>(path);
        if (file.IsOriginalLlava)
        {
            var text = ReadJson<LlamaTextConfig>(path);
            var towerName = file.MmVisionTower ?? file.VisionTower!;
            var vision = visionTowerDirectory is null ? null : LoadClipVisionConfig(visionTowerDirectory);
            if (file.MmUseImStartEnd == true)
            {
                throw new InvalidDataException($"{path}: mm_use_im_start_end = true (image start/end tokens) is not supported.");
            }

            if (file.MmProjectorType is not (null or "linear" or "mlp2x_gelu"))
            {
                throw new InvalidDataException($"{path}: mm_projector_type '{file.MmProjectorType}' is not supported (linear or mlp2x_gelu).");
            }

            var select = file.MmVisionSelectFeature ?? "patch";
            if (select is not ("patch" or "cls_patch"))
            {
                throw new InvalidDataException($"{path}: mm_vision_select_feature '{select}' is not supported (patch or cls_patch).");
            }

            return new LlavaModelConfig
            {
                Text = text,
                Vision = vision ?? new ClipVisionConfig(),
                Layout = LlavaCheckpointLayout.OriginalLlava,
                ImageTokenIndex = OriginalImageTokenIndex,
                VisionFeatureLayers = [file.MmVisionSelectLayer ?? -2],
                KeepClsToken = select == "cls_patch",
                ProjectorIsMlp = file.MmProjectorType == "mlp2x_gelu",
                PadToSquare = file.ImageAspectRatio == "pad",
                VisionTowerName = towerName,
            };
        }

        if (file.TextConfig is null || file.VisionConfig is null)
        {
            throw new InvalidDataException($"{path}: neither a Hugging Face llava config (text_config and vision_config) nor an original LLaVA config (mm_vision_tower).");
        }

        var strategy = file.VisionFeatureSelectStrategy ?? "default";
        if (strategy is not ("default" or "full"))
        {
            throw new InvalidDataException($"{path}: vision_feature_select_strategy '{strategy}' is not supported (default or full).");
        }

        if (file.VocabSize is { } v && v != file.TextConfig.VocabSize)
        {
            // llava-hf keeps both; text_config is what sizes the weights.
            file.TextConfig.VocabSize = Math.Max(v, file.TextConfig.VocabSize);
        }

        if (file.TieWordEmbeddings is { } tie)
        {
            file.TextConfig.TieWordEmbeddings = tie;
        }

        return new LlavaModelConfig
        {
            Text = file.TextConfig,
            Vision = file.VisionConfig,
            Layout = LlavaCheckpointLayout.HuggingFace,
            ImageTokenIndex = file.ImageTokenIndex ?? file.ImageTokenId ?? 32000,
            VisionFeatureLayers = ParseLayers(file.VisionFeatureLayer, path),
            KeepClsToken = strategy == "full",
            ProjectorIsMlp = true,
            ProjectorHiddenAct = file.ProjectorHiddenAct ?? "gelu",
            ProjectorBias = file.MultimodalProjectorBias ?? true,
            PadToSquare = false,
        };
    }

    /// <summary>Reads a CLIP folder's config.json (a <c>CLIPConfig</c> with vision_config, or a <c>CLIPVisionConfig</c>).</summary>
    public static ClipVisionConfig LoadClipVisionConfig(string directory)
    {
        var path = Path.Combine(directory, "config.json");
        var json = ReadText(path);
        try
        {
            using var doc = JsonDocument.Parse(json);
            var section = doc.RootElement.TryGetProperty("vision_config", out var vc) ? vc.GetRawText() : json;
            return JsonSerializer.Deserialize<ClipVisionConfig>(section) ?? throw new InvalidDataException($"{path}: empty CLIP config.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: invalid JSON at line {e.LineNumber + 1}: {e.Message}", e);
        }
    }

    internal static T ReadJson<T>(string path)
    {
        var json = ReadText(path);
        try
        {
            return JsonSerializer.Deserialize<T>(json) ?? throw new InvalidDataException($"{path}: the file is empty or null.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: invalid JSON or wrong type at {e.Path} (line {e.LineNumber + 1}): {e.Message}", e);
        }
    }

    private static string ReadText(string path)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"{path} does not exist: a LLaVA model folder needs config.json.", path);
        }

        return File.ReadAllText(path);
    }

    private static int[] ParseLayers(JsonElement? element, string path) => element switch
    {
        null => [-2],
        { ValueKind: JsonValueKind.Number } e => [e.GetInt32()],
        { ValueKind: JsonValueKind.Array } e => e.EnumerateArray().Select(x => x.GetInt32()).ToArray(),
        _ => throw new InvalidDataException($"{path}: vision_feature_layer must be an integer or a list of integers."),
    };
}
