using System.Text.Json;
using System.Text.Json.Serialization;

namespace ViGoR.Torch.Modeling;

/// <summary>
/// The LLaMA text model's settings: Hugging Face <c>LlamaConfig</c> keys (a llava-hf
/// <c>text_config</c>, or the top level of an original LLaVA <c>config.json</c>). Defaults are
/// <c>LlamaConfig</c>'s, because llava-hf configs store only the keys that differ from them.
/// </summary>
public sealed class LlamaTextConfig
{
    /// <summary>Keys read on purpose but not needed to run the model.</summary>
    internal static readonly IReadOnlySet<string> IgnoredKeys = new HashSet<string>(StringComparer.Ordinal)
    {
        "_name_or_path", "architectures", "model_type", "torch_dtype", "dtype", "transformers_version",
        "initializer_range", "use_cache", "pretraining_tp", "max_length", "attention_dropout", "mlp_bias_dropout",
        "output_attentions", "output_hidden_states", "return_dict", "chunk_size_feed_forward", "is_encoder_decoder",
        "is_decoder", "add_cross_attention", "tie_encoder_decoder", "pad_token_id", "head_dim_override",
    };

    /// <summary>Token vocabulary rows in <c>embed_tokens</c> and <c>lm_head</c>.</summary>
    [JsonPropertyName("vocab_size")] public int VocabSize { get; set; } = 32000;

    /// <summary>Model width.</summary>
    [JsonPropertyName("hidden_size")] public int HiddenSize { get; set; } = 4096;

    /// <summary>SwiGLU inner width.</summary>
    [JsonPropertyName("intermediate_size")] public int IntermediateSize { get; set; } = 11008;

    /// <summary>Decoder layers.</summary>
    [JsonPropertyName("num_hidden_layers")] public int NumHiddenLayers { get; set; } = 32;

    /// <summary>Query heads.</summary>
    [JsonPropertyName("num_attention_heads")] public int NumAttentionHeads { get; set; } = 32;

    /// <summary>Key/value heads (grouped-query attention when fewer than the query heads); null means as many as query heads.</summary>
    [JsonPropertyName("num_key_value_heads")] public int? NumKeyValueHeads { get; set; }

    /// <summary>Per-head width; null means hidden_size / num_attention_heads.</summary>
    [JsonPropertyName("head_dim")] public int? HeadDim { get; set; }

    /// <summary>MLP activation; LLaMA uses <c>silu</c> (SwiGLU).</summary>
    [JsonPropertyName("hidden_act")] public string HiddenAct { get; set; } = "silu";

    /// <summary>Longest sequence the rotary embedding was trained for.</summary>
    [JsonPropertyName("max_position_embeddings")] public int MaxPositionEmbeddings { get; set; } = 2048;

    /// <summary>RMSNorm epsilon.</summary>
    [JsonPropertyName("rms_norm_eps")] public double RmsNormEps { get; set; } = 1e-6;

    /// <summary>Rotary base.</summary>
    [JsonPropertyName("rope_theta")] public double RopeTheta { get; set; } = 10000.0;

    /// <summary>Rotary scaling; only null or <c>{"type": "linear", "factor": f}</c> are supported.</summary>
    [JsonPropertyName("rope_scaling")] public JsonElement? RopeScaling { get; set; }

    /// <summary>Whether q/k/v/o projections have biases.</summary>
    [JsonPropertyName("attention_bias")] public bool AttentionBias { get; set; }

    /// <summary>Whether the MLP projections have biases.</summary>
    [JsonPropertyName("mlp_bias")] public bool MlpBias { get; set; }

    /// <summary>Beginning-of-sequence token id.</summary>
    [JsonPropertyName("bos_token_id")] public int BosTokenId { get; set; } = 1;

    /// <summary>End-of-sequence token id.</summary>
    [JsonPropertyName("eos_token_id")] public JsonElement? EosTokenIdRaw { get; set; }

    /// <summary>Whether <c>lm_head</c> shares the embedding matrix.</summary>
    [JsonPropertyName("tie_word_embeddings")] public bool TieWordEmbeddings { get; set; }

    /// <summary>Keys this type does not map (checked against <see cref="IgnoredKeys"/>).</summary>
    [JsonExtensionData] public Dictionary<string, JsonElement>? ExtraKeys { get; set; }

    /// <summary>Key/value heads actually used.</summary>
    [JsonIgnore] public int KeyValueHeads => NumKeyValueHeads ?? NumAttentionHeads;

    /// <summary>Per-head width actually used.</summary>
    [JsonIgnore] public int HeadDimension => HeadDim ?? (HiddenSize / NumAttentionHeads);

    /// <summary>End-of-sequence ids (a config may list several).</summary>
    [JsonIgnore]
    public IReadOnlyList<int> EosTokenIds => EosTokenIdRaw switch
    {
        null => [2],
        { ValueKind: JsonValueKind.Number } e => [e.GetInt32()],
        { ValueKind: JsonValueKind.Array } e => e.EnumerateArray().Select(x => x.GetInt32()).ToArray(),
        _ => [2],
    };

    /// <summary>The linear rotary scaling factor (1 when there is none).</summary>
    internal double RopeLinearFactor(string source)
    {
        if (RopeScaling is not { ValueKind: JsonValueKind.Object } scaling)
        {
            return 1.0;
        }

        var type = scaling.TryGetProperty("rope_type", out var rt) ? rt.GetString()
            : scaling.TryGetProperty("type", out var t) ? t.GetString() : null;
        if (type is "linear" or "default")
        {
            return type == "default" ? 1.0 : scaling.GetProperty("factor").GetDouble();
        }

        throw new InvalidDataException($"{source}: rope_scaling type '{type}' is not supported (only linear).");
    }
}

/// <summary>CLIP vision tower settings: Hugging Face <c>CLIPVisionConfig</c> keys, with its defaults.</summary>
public sealed class ClipVisionConfig
{
    /// <summary>Keys read on purpose but not needed to run the tower.</summary>
    internal static readonly IReadOnlySet<string> IgnoredKeys = new HashSet<string>(StringComparer.Ordinal)
    {
        "_name_or_path", "architectures", "model_type", "torch_dtype", "dtype", "transformers_version",
        "projection_dim", "vocab_size", "initializer_range", "initializer_factor", "attention_dropout", "dropout",
    };

    /// <summary>Tower width.</summary>
    [JsonPropertyName("hidden_size")] public int HiddenSize { get; set; } = 768;

    /// <summary>MLP inner width.</summary>
    [JsonPropertyName("intermediate_size")] public int IntermediateSize { get; set; } = 3072;

    /// <summary>Encoder layers.</summary>
    [JsonPropertyName("num_hidden_layers")] public int NumHiddenLayers { get; set; } = 12;

    /// <summary>Attention heads.</summary>
    [JsonPropertyName("num_attention_heads")] public int NumAttentionHeads { get; set; } = 12;

    /// <summary>Input channels.</summary>
    [JsonPropertyName("num_channels")] public int NumChannels { get; set; } = 3;

    /// <summary>Input side in pixels.</summary>
    [JsonPropertyName("image_size")] public int ImageSize { get; set; } = 224;

    /// <summary>Patch side in pixels.</summary>
    [JsonPropertyName("patch_size")] public int PatchSize { get; set; } = 32;

    /// <summary>MLP activation (<c>quick_gelu</c> for OpenAI CLIP).</summary>
    [JsonPropertyName("hidden_act")] public string HiddenAct { get; set; } = "quick_gelu";

    /// <summary>LayerNorm epsilon.</summary>
    [JsonPropertyName("layer_norm_eps")] public double LayerNormEps { get; set; } = 1e-5;

    /// <summary>Keys this type does not map.</summary>
    [JsonExtensionData] public Dictionary<string, JsonElement>? ExtraKeys { get; set; }

    /// <summary>Patches per image (without the class token).</summary>
    [JsonIgnore] public int NumPatches => (ImageSize / PatchSize) * (ImageSize / PatchSize);
}

/// <summary>
/// A <c>config.json</c> of either a Hugging Face <c>LlavaForConditionalGeneration</c> folder
/// (<c>text_config</c>, <c>vision_config</c>, <c>image_token_index</c>, ...) or an original LLaVA
/// checkpoint (LLaMA keys at the top level plus <c>mm_*</c> keys). <see cref="LlavaModelConfig.Load"/>
/// turns either into one <see cref="LlavaModelConfig"/>.
/// </summary>
public sealed class LlavaConfigFile
{
    /// <summary>Top-level keys read on purpose but not needed to run the model.</summary>
    internal static readonly IReadOnlySet<string> IgnoredKeys = new HashSet<string>(StringComparer.Ordinal)
    {
        "_name_or_path", "architectures", "model_type", "torch_dtype", "dtype", "transformers_version", "ignore_index",
        "pad_token_id", "image_seq_length", "use_cache", "freeze_mm_mlp_adapter", "tune_mm_mlp_adapter", "use_mm_proj",
        "mm_use_im_patch_token", "mm_projector_lr", "mm_vision_tower_lr", "tokenizer_model_max_length",
        "tokenizer_padding_side", "unfreeze_mm_vision_tower", "mm_patch_merge_type", "image_grid_pinpoints",
    };

    // --- Hugging Face llava keys ---

    /// <summary>Text model settings (llava-hf).</summary>
    [JsonPropertyName("text_config")] public LlamaTextConfig? TextConfig { get; set; }

    /// <summary>Vision tower settings (llava-hf).</summary>
    [JsonPropertyName("vision_config")] public ClipVisionConfig? VisionConfig { get; set; }

    /// <summary>Id of the <c>&lt;image&gt;</c> token (llava-hf: 32000).</summary>
    [JsonPropertyName("image_token_index")] public int? ImageTokenIndex { get; set; }

    /// <summary>Alias used by newer transformers.</summary>
    [JsonPropertyName("image_token_id")] public int? ImageTokenId { get; set; }

    /// <summary>Vision hidden state(s) the features come from: an index or a list of indices (default -2).</summary>
    [JsonPropertyName("vision_feature_layer")] public JsonElement? VisionFeatureLayer { get; set; }

    /// <summary><c>default</c> drops the CLS token, <c>full</c> keeps it.</summary>
    [JsonPropertyName("vision_feature_select_strategy")] public string? VisionFeatureSelectStrategy { get; set; }

    /// <summary>Activation between the projector's two linears (llava-hf: gelu).</summary>
    [JsonPropertyName("projector_hidden_act")] public string? ProjectorHiddenAct { get; set; }

    /// <summary>Whether the projector linears have biases (default true).</summary>
    [JsonPropertyName("multimodal_projector_bias")] public bool? MultimodalProjectorBias { get; set; }

    /// <summary>Top-level vocabulary size (mirrors text_config.vocab_size in llava-hf).</summary>
    [JsonPropertyName("vocab_size")] public int? VocabSize { get; set; }

    /// <summary>Top-level tie flag (llava-hf: false).</summary>
    [JsonPropertyName("tie_word_embeddings")] public bool? TieWordEmbeddings { get; set; }

    // --- Original LLaVA keys (LlavaLlamaForCausalLM) ---

    /// <summary>The CLIP tower to load (a hub id or a folder).</summary>
    [JsonPropertyName("mm_vision_tower")] public string? MmVisionTower { get; set; }

    /// <summary>Older alias of <see cref="MmVisionTower"/>.</summary>
    [JsonPropertyName("vision_tower")] public string? VisionTower { get; set; }

    /// <summary>Projector: <c>linear</c> (v1) or <c>mlp2x_gelu</c> (1.5).</summary>
    [JsonPropertyName("mm_projector_type")] public string? MmProjectorType { get; set; }

    /// <summary>Vision tower width.</summary>
    [JsonPropertyName("mm_hidden_size")] public int? MmHiddenSize { get; set; }

    /// <summary>Vision hidden state index (default -2 in LLaVA-1.5; -1 in some v1 checkpoints).</summary>
    [JsonPropertyName("mm_vision_select_layer")] public int? MmVisionSelectLayer { get; set; }

    /// <summary><c>patch</c> drops CLS, <c>cls_patch</c> keeps it.</summary>
    [JsonPropertyName("mm_vision_select_feature")] public string? MmVisionSelectFeature { get; set; }

    /// <summary>Wraps image features in &lt;im_start&gt;/&lt;im_end&gt; tokens (unsupported when true).</summary>
    [JsonPropertyName("mm_use_im_start_end")] public bool? MmUseImStartEnd { get; set; }

    /// <summary><c>pad</c> pads images to a square with the mean colour before preprocessing.</summary>
    [JsonPropertyName("image_aspect_ratio")] public string? ImageAspectRatio { get; set; }

    /// <summary>Keys this type does not map.</summary>
    [JsonExtensionData] public Dictionary<string, JsonElement>? ExtraKeys { get; set; }

    /// <summary>True when this is an original LLaVA config (a vision tower named, no text_config).</summary>
    [JsonIgnore] public bool IsOriginalLlava => TextConfig is null && (MmVisionTower ?? VisionTower) is not null;

    /// <summary>
    /// Keys of <paramref name="json"/> (a whole config.json) that no config type maps and that are not
    /// deliberately ignored, as dotted paths. Empty means nothing is silently dropped.
    /// </summary>
    public static IReadOnlyList<string> UnmappedKeys(string json)
    {
        using var doc = JsonDocument.Parse(json);
        var root = doc.RootElement;
        var unmapped = new List<string>();
        var top = Names<LlavaConfigFile>();
        bool original = !root.TryGetProperty("text_config", out _);
        var llama = Names<LlamaTextConfig>();
        foreach (var p in root.EnumerateObject())
        {
            bool known = top.Contains(p.Name) || IgnoredKeys.Contains(p.Name)
                || (original && (llama.Contains(p.Name) || LlamaTextConfig.IgnoredKeys.Contains(p.Name)));
            if (!known)
            {
                unmapped.Add(p.Name);
            }
        }

        Check(root, "text_config", llama, LlamaTextConfig.IgnoredKeys, unmapped);
        Check(root, "vision_config", Names<ClipVisionConfig>(), ClipVisionConfig.IgnoredKeys, unmapped);
        return unmapped;
    }

    private static void Check(JsonElement root, string section, HashSet<string> mapped, IReadOnlySet<string> ignored, List<string> unmapped)
    {
        if (root.TryGetProperty(section, out var s) && s.ValueKind == JsonValueKind.Object)
        {
            unmapped.AddRange(s.EnumerateObject().Where(p => !mapped.Contains(p.Name) && !ignored.Contains(p.Name)).Select(p => $"{section}.{p.Name}"));
        }
    }

    private static HashSet<string> Names<T>() => typeof(T).GetProperties()
        .Select(p => p.GetCustomAttributes(typeof(JsonPropertyNameAttribute), false).OfType<JsonPropertyNameAttribute>().FirstOrDefault()?.Name)
        .Where(n => n is not null)
        .Select(n => n!)
        .ToHashSet(StringComparer.Ordinal);
}
