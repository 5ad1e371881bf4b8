using System.Collections.Frozen;
using ViGoR.Evaluation;

namespace ViGoR.Nlp;

/// <summary>
/// Splits LVLM descriptions into sentences and finds the visual nouns the automatic reward checks,
/// using an embedded WordNet 3.0 lexicon and hand-written rules (no model, no network, no Debian
/// install). Each mention carries its singular lemma, whether it is a countable thing or stuff, a
/// stated count, and whether it is negated or hedged.
/// </summary>
/// <remarks>
/// Thread-safe: one instance serves any number of concurrent callers (per-thread buffers keep calls
/// allocation-light). The lexicon is loaded once per process, when the first extractor is created
/// (about half a second; 114,000 word forms).
/// </remarks>
public sealed class WordNetNounExtractor : INounExtractor
{
    // WordNet lists "young man", "black cat", "left hand" as names; captions use the adjective to describe.
    private static readonly HashSet<string> DescriptiveAdjectives = new(StringComparer.Ordinal)
    {
        "young", "old", "little", "big", "small", "large", "tall", "black", "white", "red", "green", "blue", "brown", "yellow",
        "left", "right", "elderly", "older", "adult", "male", "female", "wild", "open", "dark", "light", "grey", "gray", "pink",
    };

    // Heads that make a WordNet name a place, not an object ("parking area", "train station"); "television set" stays an object.
    private static readonly HashSet<string> PlaceHeads = new(StringComparer.Ordinal)
    {
        "area", "space", "spot", "place", "location", "station", "corner", "lot", "setting", "scene", "view", "side", "zone", "site",
    };

    private static readonly Lazy<SentenceParser> DefaultParser = new(() => CreateParser(new WordNetNounExtractorOptions()));

    [ThreadStatic]
    private static SentenceParser.Scratch? t_scratch;

    private readonly SentenceParser _parser;

    /// <summary>An extractor with the default vocabulary.</summary>
    public WordNetNounExtractor()
    {
        _parser = DefaultParser.Value;
    }

    /// <summary>An extractor with adjusted vocabulary; <paramref name="options"/> is copied.</summary>
    public WordNetNounExtractor(WordNetNounExtractorOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _parser = CreateParser(options.Clone());
    }

    /// <inheritdoc />
    public ValueTask<ParsedText> ExtractAsync(string text, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult(Extract(text));
    }

    /// <summary>Parses <paramref name="text"/> synchronously (the work is CPU-bound and takes microseconds).</summary>
    /// <returns>The sentences of the text with their mentions; zero sentences for empty or white-space text.</returns>
    public ParsedText Extract(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var scratch = t_scratch ??= new SentenceParser.Scratch();
        var spans = scratch.Sentences;
        spans.Clear();
        SentenceSplitter.Split(text.AsSpan(), spans);
        if (spans.Count == 0)
        {
            return new ParsedText(text, []);
        }

        if (scratch.Lower.Length < text.Length)
        {
            scratch.Lower = new char[Math.Max(text.Length, scratch.Lower.Length * 2)];
        }

        var lower = scratch.Lower.AsSpan(0, text.Length);
        text.AsSpan().ToLowerInvariant(lower);
        lower.Replace('’', '\'');

        var sentences = new ParsedSentence[spans.Count];
        var mentions = scratch.Mentions;
        for (var i = 0; i < sentences.Length; i++)
        {
            var (start, end) = spans[i];
            mentions.Clear();
            _parser.Parse(text, lower, start, end, scratch, mentions);
            sentences[i] = new ParsedSentence(i, start, end, text[start..end], mentions.Count == 0 ? [] : mentions.ToArray());
        }

        return new ParsedText(text, sentences);
    }

    private static SentenceParser CreateParser(WordNetNounExtractorOptions options)
    {
        var lexicon = WordNetLexicon.Default;
        var kinds = new Dictionary<string, LexicalKind>(StringComparer.Ordinal);
        void Set(IEnumerable<string> words, LexicalKind kind)
        {
            foreach (var word in words)
            {
                kinds[word.Trim().ToLowerInvariant()] = kind;
            }
        }

        if (options.IncludeCocoVocabulary)
        {
            Set(CocoVocabulary.Default.Words, LexicalKind.Thing);
        }

        Set(CuratedWords.Things, LexicalKind.Thing);
        Set(CuratedWords.Stuff, LexicalKind.Stuff);
        Set(CuratedWords.NotVisual, LexicalKind.NotVisual);
        Set(options.ThingWords, LexicalKind.Thing);
        Set(options.StuffWords, LexicalKind.Stuff);
        Set(options.NotVisualWords, LexicalKind.NotVisual);

        var collocations = new Dictionary<string, SentenceParser.Collocation>(StringComparer.Ordinal);
        foreach (var entry in lexicon.Entries)
        {
            var space = entry.Form.IndexOf(' ', StringComparison.Ordinal);
            if (space < 0 || entry.Kind is not (LexicalKind.Thing or LexicalKind.Stuff))
            {
                continue;
            }

            // "young man", "left hand", "black cat" name a man, a hand, a cat: an adjective in front is a description, not part of the name.
            if (DescriptiveAdjectives.Contains(entry.Form[..space]))
            {
                continue;
            }

            // A name takes the curated kind of its head: "control room" is a room (stuff), "parking area" an area (not visual).
            var head = entry.Form[(entry.Form.LastIndexOf(' ') + 1)..];
            var kind = kinds.TryGetValue(entry.Form, out var own) ? own
                : kinds.TryGetValue(head, out var headKind) && (headKind == LexicalKind.Stuff || (headKind == LexicalKind.NotVisual && PlaceHeads.Contains(head))) ? headKind
                : entry.Kind;
            if (kind != LexicalKind.NotVisual)
            {
                collocations[entry.Form] = new(entry.Form, kind);
            }

            if (kind != entry.Kind)
            {
                kinds.TryAdd(entry.Form, kind);
            }
        }

        foreach (var (word, kind) in kinds)
        {
            if (word.Contains(' ', StringComparison.Ordinal))
            {
                if (kind == LexicalKind.NotVisual)
                {
                    collocations.Remove(word);
                }
                else
                {
                    collocations[word] = new(word, kind);
                }
            }
        }

        return new SentenceParser(lexicon, kinds.ToFrozenDictionary(StringComparer.Ordinal), collocations.ToFrozenDictionary(StringComparer.Ordinal));
    }
}
