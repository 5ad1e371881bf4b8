using System.Text.Json;
using Microsoft.ML.Tokenizers;
using ViGoR.Torch.Modeling;

namespace ViGoR.Torch.Tokenization;

/// <summary>
/// LLaMA's SentencePiece tokenizer (<c>tokenizer.model</c>, through Microsoft.ML.Tokenizers) with LLaVA's
/// image-token handling: prompts are tokenized as LLaVA's <c>tokenizer_image_token</c> does.
/// </summary>
/// <remarks>Thread-safe after construction.</remarks>
public sealed class LlavaTokenizer
{
    private readonly LlamaTokenizer _sentencePiece;
    private readonly HashSet<int> _skipOnDecode;

    private LlavaTokenizer(LlamaTokenizer sentencePiece, int bosTokenId, IReadOnlyList<int> eosTokenIds, bool addBos, long imageTokenId)
    {
        _sentencePiece = sentencePiece;
        BosTokenId = bosTokenId;
        EosTokenIds = eosTokenIds;
        AddBos = addBos;
        ImageTokenId = imageTokenId;
        _skipOnDecode = [bosTokenId, .. eosTokenIds, sentencePiece.UnknownId];
    }

    /// <summary>Beginning-of-sequence id (put once at the start of a prompt when <see cref="AddBos"/>).</summary>
    public int BosTokenId { get; }

    /// <summary>Ids that end generation.</summary>
    public IReadOnlyList<int> EosTokenIds { get; }

    /// <summary>Whether prompts start with BOS (tokenizer_config.json <c>add_bos_token</c>, default true).</summary>
    public bool AddBos { get; }

    /// <summary>The id that marks an image (config <c>image_token_index</c>; -200 for original LLaVA).</summary>
    public long ImageTokenId { get; }

    /// <summary>Pieces in <c>tokenizer.model</c> (added tokens such as &lt;image&gt; come after them).</summary>
    public int SentencePieceVocabSize => _sentencePiece.Vocabulary.Count;

    /// <summary>
    /// Reads <c>tokenizer.model</c>, <c>tokenizer_config.json</c> and <c>added_tokens.json</c> from
    /// <paramref name="directory"/>. For Hugging Face folders the <c>&lt;image&gt;</c> added token must agree
    /// with the config's image token index.
    /// </summary>
    /// <exception cref="InvalidDataException">A file is missing or disagrees with the config; the message names it.</exception>
    public static LlavaTokenizer Load(string directory, LlavaModelConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var modelPath = Path.Combine(directory, "tokenizer.model");
        if (!File.Exists(modelPath))
        {
            throw new FileNotFoundException($"{modelPath} does not exist: LLaVA needs the LLaMA SentencePiece tokenizer.model.", modelPath);
        }

        LlamaTokenizer sp;
        using (var stream = File.OpenRead(modelPath))
        {
            try
            {
                sp = LlamaTokenizer.Create(stream, addBeginOfSentence: false, addEndOfSentence: false);
            }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException or NotSupportedException or InvalidDataException or Google.Protobuf.InvalidProtocolBufferException)
            {
                throw new InvalidDataException($"{modelPath}: not a supported LLaMA SentencePiece model ({e.Message}).", e);
            }
        }

        bool addBos = true;
        var added = new Dictionary<string, int>(StringComparer.Ordinal);
        var configPath = Path.Combine(directory, "tokenizer_config.json");
        if (File.Exists(configPath))
        {
            using var doc = ParseJson(configPath);
            var root = doc.RootElement;
            if (root.TryGetProperty("add_bos_token", out var ab) && ab.ValueKind is JsonValueKind.True or JsonValueKind.False)
            {
                addBos = ab.GetBoolean();
            }

            if (root.TryGetProperty("added_tokens_decoder", out var dec) && dec.ValueKind == JsonValueKind.Object)
            {
                foreach (var p in dec.EnumerateObject())
                {
                    if (p.Value.TryGetProperty("content", out var content) && int.TryParse(p.Name, out var id))
                    {
                        added[content.GetString()!] = id;
                    }
                }
            }
        }

        var addedPath = Path.Combine(directory, "added_tokens.json");
        if (File.Exists(addedPath))
        {
            using var doc = ParseJson(addedPath);
            foreach (var p in doc.RootElement.EnumerateObject())
            {
                added[p.Name] = p.Value.GetInt32();
            }
        }

        long imageId = config.ImageTokenIndex;
        if (config.Layout == LlavaCheckpointLayout.HuggingFace)
        {
            if (!added.TryGetValue(ConversationTemplate.ImagePlaceholder, out var declared))
            {
                throw new InvalidDataException($"{directory}: neither added_tokens.json nor tokenizer_config.json declares the <image> token (config.json image_token_index is {config.ImageTokenIndex}).");
            }

            if (declared != config.ImageTokenIndex)
            {
                throw new InvalidDataException($"{directory}: the tokenizer declares <image> as id {declared} but config.json image_token_index is {config.ImageTokenIndex}.");
            }
        }

        var eos = ReadGenerationEos(directory) ?? config.Text.EosTokenIds;
        return new LlavaTokenizer(sp, config.Text.BosTokenId, eos, addBos, imageId);
    }

    /// <summary>
    /// Token ids of <paramref name="prompt"/> as LLaVA's <c>tokenizer_image_token</c>: split on
    /// <c>&lt;image&gt;</c>, tokenize every chunk on its own (each with SentencePiece's dummy prefix),
    /// keep one BOS at the start, and put <see cref="ImageTokenId"/> between chunks.
    /// </summary>
    public long[] EncodePrompt(string prompt)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        var ids = new List<long>();
        if (AddBos)
        {
            ids.Add(BosTokenId);
        }

        var chunks = prompt.Split(ConversationTemplate.ImagePlaceholder);
        for (int i = 0; i < chunks.Length; i++)
        {
            if (i > 0)
            {
                ids.Add(ImageTokenId);
            }

            ids.AddRange(EncodeText(chunks[i]).Select(x => (long)x));
        }

        return ids.ToArray();
    }

    /// <summary>
    /// Ids and labels for training on <paramref name="answer"/> after <paramref name="promptText"/> (a formatted
    /// prompt ending with <c>ASSISTANT:</c>): ids of <c>promptText + " " + answer</c> then EOS, labels equal to
    /// the ids on the answer and EOS and <see cref="LlavaForConditionalGeneration.IgnoreIndex"/> on the prompt,
    /// as LLaVA's <c>preprocess_v1</c> masks the instruction.
    /// </summary>
    public (long[] Ids, long[] Labels) EncodeForTraining(string promptText, string answer)
    {
        ArgumentNullException.ThrowIfNull(answer);
        var prompt = EncodePrompt(promptText);
        var full = EncodePrompt(promptText + " " + answer.Trim()).Append(EosTokenIds[0]).ToArray();
        if (!full.AsSpan(0, prompt.Length).SequenceEqual(prompt))
        {
            throw new InvalidOperationException("The answer merged with the prompt's last token; cannot align labels.");
        }

        var labels = full.Select((id, i) => i < prompt.Length ? LlavaForConditionalGeneration.IgnoreIndex : id).ToArray();
        return (full, labels);
    }

    /// <summary>SentencePiece ids of plain text (dummy prefix, no BOS/EOS, no image handling).</summary>
    public IReadOnlyList<int> EncodeText(string text) =>
        text.Length == 0 ? [] : _sentencePiece.EncodeToIds(text, addBeginningOfSentence: false, addEndOfSentence: false);

    /// <summary>Text of generated ids: special, image and added tokens are skipped and the result trimmed, as LLaVA's <c>batch_decode(skip_special_tokens=True)</c> then <c>strip()</c>.</summary>
    public string Decode(IEnumerable<long> ids)
    {
        var kept = ids.Where(id => id >= 0 && id < SentencePieceVocabSize && !_skipOnDecode.Contains((int)id)).Select(id => (int)id).ToArray();
        return (_sentencePiece.Decode(kept) ?? string.Empty).Trim();
    }

    private static int[]? ReadGenerationEos(string directory)
    {
        var path = Path.Combine(directory, "generation_config.json");
        if (!File.Exists(path))
        {
            return null;
        }

        using var doc = ParseJson(path);
        if (!doc.RootElement.TryGetProperty("eos_token_id", out var e))
        {
            return null;
        }

        return e.ValueKind switch
        {
            JsonValueKind.Number => [e.GetInt32()],
            JsonValueKind.Array => e.EnumerateArray().Select(x => x.GetInt32()).ToArray(),
            _ => null,
        };
    }

    /// <summary>Parses a JSON file; malformed JSON becomes an <see cref="InvalidDataException"/> naming the file and line.</summary>
    internal static JsonDocument ParseJson(string path)
    {
        try
        {
            return JsonDocument.Parse(File.ReadAllText(path));
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: invalid JSON (line {e.LineNumber + 1}): {e.Message}", e);
        }
    }
}
