using System.Text.Json;
using System.Text.Json.Nodes;

namespace ViGoR.Cli.Demo.TinyModel;

/// <summary>The shape of a tiny LLaVA (CLIP ViT, two-layer GELU projector, LLaMA decoder), as written into its config.json.</summary>
internal sealed record TinyLlavaShape
{
    public int ImageSize { get; init; } = 80;

    public int PatchSize { get; init; } = 10;

    public int VisionHidden { get; init; } = 96;

    public int VisionLayers { get; init; } = 4;

    public int TextHidden { get; init; } = 128;

    public int TextLayers { get; init; } = 3;

    public int Heads { get; init; } = 4;

    public int MaxPositions { get; init; } = 256;
}

/// <summary>
/// Writes the files of a llava-hf folder without weights, for
/// <see cref="ViGoR.Torch.LlavaVisionLanguageModel.CreateInitialized"/>: config.json (llava with a llama
/// text config and a clip_vision_model vision config), preprocessor_config.json (CLIP's), a SentencePiece
/// tokenizer.model for the given words, tokenizer_config.json, added_tokens.json (&lt;image&gt;, &lt;pad&gt;),
/// special_tokens_map.json and generation_config.json — the files a real llava-hf checkpoint has.
/// </summary>
internal static class TinyLlavaFolder
{
    /// <summary>
    /// The tokenizer's words: ShapesWorld's, plus LLaVA's conversation roles, POPE's answer-format
    /// instruction and the reward model's instructions and one-digit replies
    /// (<see cref="ViGoR.Torch.Rewards.RewardLabelScheme.Categorical"/>), so the tiny model can be a
    /// policy and a reward model with one vocabulary.
    /// </summary>
    public static IEnumerable<string> Vocabulary() => ViGoR.ShapesWorld.ShapesWorldCorpus.Words(
        "USER ASSISTANT",
        "0 1 2 3 4 5 6 7 8 9",
        ViGoR.Evaluation.PopeOptions.LlavaAnswerFormatSuffix,
        ViGoR.Torch.Rewards.LlavaRewardModelOptions.PaperInstruction,
        ViGoR.Torch.Rewards.LlavaRewardModelOptions.HolisticInstruction);

    public static void Write(string directory, IEnumerable<string> words, TinyLlavaShape shape)
    {
        Directory.CreateDirectory(directory);
        var pieces = SentencePieceWriter.Pieces(words);
        File.WriteAllBytes(Path.Combine(directory, "tokenizer.model"), SentencePieceWriter.Serialize(pieces));
        int image = pieces.Count, pad = pieces.Count + 1;
        int vocab = (pad + 8) / 8 * 8; // padded to a multiple of 8, as llava-hf pads its embeddings
        var config = new JsonObject
        {
            ["architectures"] = new JsonArray("LlavaForConditionalGeneration"),
            ["ignore_index"] = -100,
            ["image_token_index"] = image,
            ["model_type"] = "llava",
            ["pad_token_id"] = pad,
            ["projector_hidden_act"] = "gelu",
            ["text_config"] = new JsonObject
            {
                ["hidden_size"] = shape.TextHidden,
                ["intermediate_size"] = shape.TextHidden * 2,
                ["num_hidden_layers"] = shape.TextLayers,
                ["num_attention_heads"] = shape.Heads,
                ["num_key_value_heads"] = shape.Heads,
                ["rms_norm_eps"] = 1e-5,
                ["rope_theta"] = 10000.0,
                ["max_position_embeddings"] = shape.MaxPositions,
                ["vocab_size"] = vocab,
                ["model_type"] = "llama",
                ["bos_token_id"] = 1,
                ["eos_token_id"] = 2,
            },
            ["tie_word_embeddings"] = false,
            ["torch_dtype"] = "float32",
            ["vision_config"] = new JsonObject
            {
                ["hidden_size"] = shape.VisionHidden,
                ["intermediate_size"] = shape.VisionHidden * 2,
                ["num_hidden_layers"] = shape.VisionLayers,
                ["num_attention_heads"] = shape.Heads,
                ["image_size"] = shape.ImageSize,
                ["patch_size"] = shape.PatchSize,
                ["layer_norm_eps"] = 1e-5,
                ["hidden_act"] = "quick_gelu",
                ["model_type"] = "clip_vision_model",
            },
            ["vision_feature_layer"] = -2,
            ["vision_feature_select_strategy"] = "default",
            ["vocab_size"] = vocab,
            ["image_seq_length"] = (shape.ImageSize / shape.PatchSize) * (shape.ImageSize / shape.PatchSize),
        };
        Json(directory, "config.json", config);
        Json(directory, "preprocessor_config.json", new JsonObject
        {
            ["crop_size"] = new JsonObject { ["height"] = shape.ImageSize, ["width"] = shape.ImageSize },
            ["do_center_crop"] = true,
            ["do_convert_rgb"] = true,
            ["do_normalize"] = true,
            ["do_rescale"] = true,
            ["do_resize"] = true,
            ["image_mean"] = new JsonArray(0.48145466, 0.4578275, 0.40821073),
            ["image_std"] = new JsonArray(0.26862954, 0.26130258, 0.27577711),
            ["image_processor_type"] = "CLIPImageProcessor",
            ["processor_class"] = "LlavaProcessor",
            ["resample"] = 3,
            ["rescale_factor"] = 1 / 255.0,
            ["size"] = new JsonObject { ["shortest_edge"] = shape.ImageSize },
        });
        Json(directory, "tokenizer_config.json", new JsonObject
        {
            ["add_bos_token"] = true,
            ["add_eos_token"] = false,
            ["bos_token"] = "<s>",
            ["eos_token"] = "</s>",
            ["unk_token"] = "<unk>",
            ["pad_token"] = "<pad>",
            ["legacy"] = false,
            ["model_max_length"] = shape.MaxPositions,
            ["padding_side"] = "left",
            ["tokenizer_class"] = "LlamaTokenizer",
            ["added_tokens_decoder"] = new JsonObject
            {
                ["0"] = new JsonObject { ["content"] = "<unk>", ["special"] = true },
                ["1"] = new JsonObject { ["content"] = "<s>", ["special"] = true },
                ["2"] = new JsonObject { ["content"] = "</s>", ["special"] = true },
                [image.ToString(System.Globalization.CultureInfo.InvariantCulture)] = new JsonObject { ["content"] = "<image>", ["special"] = true },
                [pad.ToString(System.Globalization.CultureInfo.InvariantCulture)] = new JsonObject { ["content"] = "<pad>", ["special"] = true },
            },
        });
        Json(directory, "added_tokens.json", new JsonObject { ["<image>"] = image, ["<pad>"] = pad });
        Json(directory, "special_tokens_map.json", new JsonObject { ["bos_token"] = "<s>", ["eos_token"] = "</s>", ["pad_token"] = "<pad>", ["unk_token"] = "<unk>" });
        Json(directory, "generation_config.json", new JsonObject { ["bos_token_id"] = 1, ["eos_token_id"] = 2, ["pad_token_id"] = pad });
    }

    private static void Json(string directory, string name, JsonNode node) =>
        File.WriteAllText(Path.Combine(directory, name), node.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
}
