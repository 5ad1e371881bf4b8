using System.Text;
using System.Text.Json;
using Microsoft.ML.Tokenizers;

namespace ViGoR;

/// <summary>Where one query phrase sits in a chunk: token positions [<see cref="Start"/>, <see cref="End"/>), the '.' excluded.</summary>
/// <param name="PhraseIndex">The phrase's index in the whole list given to <see cref="GroundingDinoTokenizer.Plan"/>, not within its chunk.</param>
/// <param name="Start">First token position of the phrase.</param>
/// <param name="End">One past its last token position.</param>
internal readonly record struct PhraseSpan(int PhraseIndex, int Start, int End);

/// <summary>One model call's text: "[CLS] a . b . [SEP]" token ids and where each phrase sits.</summary>
internal sealed record TextChunk(long[] InputIds, IReadOnlyList<PhraseSpan> Spans);

/// <summary>
/// The BERT (bert-base-uncased) tokenizer Grounding DINO uses, loaded from <c>tokenizer.json</c>
/// (WordPiece model) or <c>vocab.txt</c>: encodes phrases, packs them into chunks of at most 256
/// tokens, and decodes label tokens as transformers' <c>batch_decode</c> does.
/// </summary>
/// <remarks>Immutable and thread-safe.</remarks>
internal sealed class GroundingDinoTokenizer
{
    private readonly BertTokenizer _tokenizer;
    private readonly string[] _tokens;

    private GroundingDinoTokenizer(BertTokenizer tokenizer, string[] tokens, string source)
    {
        _tokenizer = tokenizer;
        _tokens = tokens;
        var ids = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < tokens.Length; i++)
        {
            ids.TryAdd(tokens[i], i);
        }

        int Require(string token) => ids.TryGetValue(token, out var id)
            ? id
            : throw new InvalidDataException($"{source}: the vocabulary has no '{token}' token, which Grounding DINO's text encoding needs.");

        ClsId = Require("[CLS]");
        SepId = Require("[SEP]");
        DotId = Require(".");
        QuestionId = ids.TryGetValue("?", out var q) ? q : -1;
        Source = source;
    }

    /// <summary>The file the vocabulary came from.</summary>
    public string Source { get; }

    public int ClsId { get; }

    public int SepId { get; }

    public int DotId { get; }

    /// <summary>The id of '?', or -1 when the vocabulary lacks it.</summary>
    public int QuestionId { get; }

    /// <summary>The ids generate_masks_with_special_tokens_and_transfer_map splits blocks on: [CLS], [SEP], '.', '?'.</summary>
    public IReadOnlyList<long> SpecialIds => QuestionId >= 0 ? [ClsId, SepId, DotId, QuestionId] : [ClsId, SepId, DotId];

    /// <summary>Loads <c>tokenizer.json</c> when the folder has one, else <c>vocab.txt</c>.</summary>
    /// <exception cref="FileNotFoundException">Neither file exists.</exception>
    /// <exception cref="InvalidDataException">The file is malformed or not a WordPiece (BERT) tokenizer.</exception>
    public static GroundingDinoTokenizer Load(string folder)
    {
        var json = Path.Combine(folder, "tokenizer.json");
        if (File.Exists(json))
        {
            return FromTokenizerJson(json);
        }

        var vocab = Path.Combine(folder, "vocab.txt");
        if (File.Exists(vocab))
        {
            var lower = ReadDoLowerCase(Path.Combine(folder, "tokenizer_config.json")) ?? true;
            return FromVocab(File.ReadAllLines(vocab), vocab, lower, stripAccents: lower, handleChinese: true);
        }

        throw new FileNotFoundException($"Model folder '{folder}' has neither tokenizer.json nor vocab.txt; Grounding DINO needs the bert-base-uncased tokenizer next to the .onnx file.", json);
    }

    internal static GroundingDinoTokenizer FromVocab(IReadOnlyList<string> lines, string source, bool lowerCase, bool stripAccents, bool handleChinese)
    {
        // vocab.txt keeps a token's spaces; only the line break is dropped (transformers' load_vocab).
        var tokens = lines.Select(l => l.TrimEnd('\r')).ToArray();
        if (tokens.Length == 0)
        {
            throw new InvalidDataException($"{source}: the vocabulary is empty.");
        }

        var text = new StringBuilder();
        foreach (var token in tokens)
        {
            text.Append(token).Append('\n');
        }

        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(text.ToString()));
        BertTokenizer tokenizer;
        try
        {
            tokenizer = BertTokenizer.Create(stream, new BertOptions
            {
                LowerCaseBeforeTokenization = lowerCase,
                RemoveNonSpacingMarks = stripAccents,
                IndividuallyTokenizeCjk = handleChinese,
                ApplyBasicTokenization = true,
            });
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"{source}: not a usable BERT vocabulary: {e.Message}", e);
        }

        return new GroundingDinoTokenizer(tokenizer, tokens, source);
    }

    private static GroundingDinoTokenizer FromTokenizerJson(string path)
    {
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(path));
            var root = doc.RootElement;
            if (!root.TryGetProperty("model", out var model) || model.ValueKind != JsonValueKind.Object)
            {
                throw new InvalidDataException($"{path}: missing the 'model' object.");
            }

            var type = model.TryGetProperty("type", out var t) ? t.GetString() : null;
            if (type is not null && type != "WordPiece")
            {
                throw new InvalidDataException($"{path}: model.type is '{type}'; Grounding DINO uses a WordPiece (BERT) tokenizer.");
            }

            if (!model.TryGetProperty("vocab", out var vocab) || vocab.ValueKind != JsonValueKind.Object)
            {
                throw new InvalidDataException($"{path}: model.vocab must be an object of token -> id.");
            }

            var pairs = new List<(string Token, int Id)>();
            foreach (var p in vocab.EnumerateObject())
            {
                if (p.Value.ValueKind != JsonValueKind.Number || !p.Value.TryGetInt32(out var id) || id < 0)
                {
                    throw new InvalidDataException($"{path}: model.vocab['{p.Name}'] must be a non-negative integer id.");
                }

                pairs.Add((p.Name, id));
            }

            var size = pairs.Count == 0 ? 0 : pairs.Max(p => p.Id) + 1;
            var tokens = new string[size];
            foreach (var (token, id) in pairs)
            {
                tokens[id] = token;
            }

            for (var i = 0; i < size; i++)
            {
                // Holes cannot be matched by any input; they only keep ids aligned.
                tokens[i] ??= $"[vigor-missing-{i}]";
            }

            var lower = true;
            bool? strip = null;
            var chinese = true;
            if (root.TryGetProperty("normalizer", out var norm) && norm.ValueKind == JsonValueKind.Object)
            {
                if (norm.TryGetProperty("lowercase", out var lc) && lc.ValueKind is JsonValueKind.True or JsonValueKind.False)
                {
                    lower = lc.GetBoolean();
                }

                if (norm.TryGetProperty("strip_accents", out var sa) && sa.ValueKind is JsonValueKind.True or JsonValueKind.False)
                {
                    strip = sa.GetBoolean();
                }

                if (norm.TryGetProperty("handle_chinese_chars", out var hc) && hc.ValueKind is JsonValueKind.True or JsonValueKind.False)
                {
                    chinese = hc.GetBoolean();
                }
            }

            return FromVocab(tokens, path, lower, strip ?? lower, chinese);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not valid JSON (line {e.LineNumber + 1}): {e.Message}", e);
        }
    }

    private static bool? ReadDoLowerCase(string path)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(path));
            return doc.RootElement.TryGetProperty("do_lower_case", out var v) && v.ValueKind is JsonValueKind.True or JsonValueKind.False
                ? v.GetBoolean()
                : null;
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not valid JSON (line {e.LineNumber + 1}): {e.Message}", e);
        }
    }

    /// <summary>The token ids of one phrase, without special tokens.</summary>
    public int[] Encode(string phrase) =>
        _tokenizer.EncodeToTokens(phrase, out _).Select(t => t.Id).ToArray();

    /// <summary>The token string of <paramref name="id"/>.</summary>
    public string Token(long id) => id >= 0 && id < _tokens.Length ? _tokens[id] : "[UNK]";

    /// <summary>
    /// Packs phrases into chunks "[CLS] p1 . p2 . ... [SEP]" of at most <paramref name="maxTokens"/>
    /// tokens, splitting only between phrases. Phrases that tokenize to nothing are skipped.
    /// </summary>
    /// <exception cref="ArgumentException">One phrase alone does not fit.</exception>
    public IReadOnlyList<TextChunk> Plan(IReadOnlyList<string> phrases, int maxTokens)
    {
        var chunks = new List<TextChunk>();
        var ids = new List<long> { ClsId };
        var spans = new List<PhraseSpan>();
        for (var i = 0; i < phrases.Count; i++)
        {
            var phraseIds = Encode(phrases[i]);
            if (phraseIds.Length == 0)
            {
                continue;
            }

            if (phraseIds.Length + 3 > maxTokens)
            {
                throw new ArgumentException($"Phrase '{phrases[i]}' is {phraseIds.Length} tokens long; with [CLS], '.' and [SEP] at most {maxTokens - 3} fit in Grounding DINO's {maxTokens}-token text input.", nameof(phrases));
            }

            if (ids.Count + phraseIds.Length + 2 > maxTokens)
            {
                ids.Add(SepId);
                chunks.Add(new TextChunk([.. ids], spans));
                ids = [ClsId];
                spans = [];
            }

            spans.Add(new PhraseSpan(i, ids.Count, ids.Count + phraseIds.Length));
            ids.AddRange(phraseIds.Select(id => (long)id));
            ids.Add(DotId);
        }

        if (spans.Count > 0)
        {
            ids.Add(SepId);
            chunks.Add(new TextChunk([.. ids], spans));
        }

        return chunks;
    }

    /// <summary>
    /// transformers' <c>batch_decode</c> of label ids with a fast BERT tokenizer: WordPiece decoder
    /// ('##' pieces glued, other tokens space-separated, special tokens kept) with its per-token
    /// cleanup, then <c>clean_up_tokenization</c> on the whole text.
    /// </summary>
    public string Decode(IReadOnlyList<long> ids)
    {
        var text = new StringBuilder();
        for (var i = 0; i < ids.Count; i++)
        {
            var token = Token(ids[i]);
            if (i > 0)
            {
                token = token.StartsWith("##", StringComparison.Ordinal) ? token[2..] : " " + token;
            }

            text.Append(CleanUp(token, decoder: true));
        }

        return CleanUp(text.ToString(), decoder: false);
    }

    private static string CleanUp(string text, bool decoder)
    {
        text = text.Replace(" .", ".", StringComparison.Ordinal)
            .Replace(" ?", "?", StringComparison.Ordinal)
            .Replace(" !", "!", StringComparison.Ordinal)
            .Replace(" ,", ",", StringComparison.Ordinal)
            .Replace(" ' ", "'", StringComparison.Ordinal)
            .Replace(" n't", "n't", StringComparison.Ordinal)
            .Replace(" 'm", "'m", StringComparison.Ordinal);
        if (decoder)
        {
            text = text.Replace(" do not", " don't", StringComparison.Ordinal);
        }

        return text.Replace(" 's", "'s", StringComparison.Ordinal)
            .Replace(" 've", "'ve", StringComparison.Ordinal)
            .Replace(" 're", "'re", StringComparison.Ordinal);
    }
}
