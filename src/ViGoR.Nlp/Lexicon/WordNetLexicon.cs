using System.Collections.Frozen;
using System.IO.Compression;
using System.Reflection;

namespace ViGoR.Nlp;

/// <summary>Parts of speech a word form can have (WordNet's four open classes).</summary>
[Flags]
internal enum PartsOfSpeech : byte
{
    None = 0,
    Noun = 1,
    Verb = 2,
    Adjective = 4,
    Adverb = 8,
}

/// <summary>What a noun lemma names, before the curated lists and the options are applied.</summary>
internal enum LexicalKind : byte
{
    None,
    Thing,
    Stuff,
    NotVisual,
}

/// <summary>One word form of the embedded lexicon.</summary>
/// <param name="Form">Lower case; a collocation's words are separated by one space.</param>
/// <param name="Pos">The parts of speech WordNet lists the form under.</param>
/// <param name="Kind">For nouns, what the lexicographer files of its senses say it names.</param>
/// <param name="Dominant">The part of speech most often tagged in SemCor.</param>
internal readonly record struct WordEntry(string Form, PartsOfSpeech Pos, LexicalKind Kind, PartsOfSpeech Dominant);

/// <summary>
/// The WordNet 3.0 lexicon compiled by <c>tools/ViGoR.Nlp.LexiconBuilder</c> and embedded in
/// this assembly: parts of speech, noun kinds from lexicographer files, and the noun and verb
/// exception lists. Immutable and thread-safe; lookups take spans and do not allocate.
/// </summary>
internal sealed class WordNetLexicon
{
    internal const string ResourceName = "ViGoR.Nlp.Lexicon.wordnet-lexicon.txt.gz";
    private static readonly Lazy<WordNetLexicon> DefaultInstance = new(LoadDefault);

    private readonly FrozenDictionary<string, WordEntry> _words;
    private readonly FrozenDictionary<string, WordEntry>.AlternateLookup<ReadOnlySpan<char>> _wordLookup;
    private readonly FrozenDictionary<string, string>.AlternateLookup<ReadOnlySpan<char>> _nounExceptions;
    private readonly FrozenDictionary<string, string>.AlternateLookup<ReadOnlySpan<char>> _verbExceptions;

    private WordNetLexicon(Dictionary<string, WordEntry> words, Dictionary<string, string> nounExceptions, Dictionary<string, string> verbExceptions)
    {
        _words = words.ToFrozenDictionary(StringComparer.Ordinal);
        _wordLookup = _words.GetAlternateLookup<ReadOnlySpan<char>>();
        _nounExceptions = nounExceptions.ToFrozenDictionary(StringComparer.Ordinal).GetAlternateLookup<ReadOnlySpan<char>>();
        _verbExceptions = verbExceptions.ToFrozenDictionary(StringComparer.Ordinal).GetAlternateLookup<ReadOnlySpan<char>>();
    }

    /// <summary>The lexicon embedded in this assembly (loaded once, on first use).</summary>
    public static WordNetLexicon Default => DefaultInstance.Value;

    public int Count => _words.Count;

    /// <summary>Every entry (collocations included), in no particular order.</summary>
    public IEnumerable<WordEntry> Entries => _words.Values;

    public bool TryGet(ReadOnlySpan<char> form, out WordEntry entry) => _wordLookup.TryGetValue(form, out entry);

    public bool TryGetNounException(ReadOnlySpan<char> inflected, out string baseForm) => _nounExceptions.TryGetValue(inflected, out baseForm!);

    public bool TryGetVerbException(ReadOnlySpan<char> inflected, out string baseForm) => _verbExceptions.TryGetValue(inflected, out baseForm!);

    /// <summary>Parses the builder's text format (see <c>LexiconWriter</c>).</summary>
    /// <exception cref="InvalidDataException">A line does not fit the format; the message names the line.</exception>
    public static WordNetLexicon Parse(TextReader reader, string sourceName)
    {
        var words = new Dictionary<string, WordEntry>(200_000, StringComparer.Ordinal);
        var nounExceptions = new Dictionary<string, string>(StringComparer.Ordinal);
        var verbExceptions = new Dictionary<string, string>(StringComparer.Ordinal);
        Dictionary<string, string>? exceptions = null;
        var section = string.Empty;
        var lineNumber = 0;
        while (reader.ReadLine() is { } line)
        {
            lineNumber++;
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            if (line[0] == '[')
            {
                section = line;
                exceptions = line switch
                {
                    "[noun-exceptions]" => nounExceptions,
                    "[verb-exceptions]" => verbExceptions,
                    "[words]" => null,
                    _ => throw new InvalidDataException($"{sourceName}, line {lineNumber}: unknown section '{line}'."),
                };
                continue;
            }

            var fields = line.Split('\t');
            if (section == "[words]" && fields.Length == 4 && fields[2].Length == 1 && fields[3].Length == 1)
            {
                var pos = ParsePos(fields[1], sourceName, lineNumber);
                var kind = fields[2][0] switch
                {
                    'T' => LexicalKind.Thing,
                    'S' => LexicalKind.Stuff,
                    'X' => LexicalKind.NotVisual,
                    '-' => LexicalKind.None,
                    _ => throw new InvalidDataException($"{sourceName}, line {lineNumber}: unknown kind '{fields[2]}'."),
                };
                words[fields[0]] = new WordEntry(fields[0], pos, kind, ParsePos(fields[3], sourceName, lineNumber));
            }
            else if (exceptions is not null && fields.Length == 2)
            {
                exceptions[fields[0]] = fields[1];
            }
            else
            {
                throw new InvalidDataException($"{sourceName}, line {lineNumber}: expected {(exceptions is null ? "'form<TAB>pos<TAB>kind<TAB>dominant'" : "'inflected<TAB>base'")}.");
            }
        }

        if (words.Count == 0)
        {
            throw new InvalidDataException($"{sourceName}: no [words] section.");
        }

        return new WordNetLexicon(words, nounExceptions, verbExceptions);
    }

    private static PartsOfSpeech ParsePos(string text, string sourceName, int lineNumber)
    {
        var pos = PartsOfSpeech.None;
        foreach (var c in text)
        {
            pos |= c switch
            {
                'n' => PartsOfSpeech.Noun,
                'v' => PartsOfSpeech.Verb,
                'a' => PartsOfSpeech.Adjective,
                'r' => PartsOfSpeech.Adverb,
                _ => throw new InvalidDataException($"{sourceName}, line {lineNumber}: unknown part of speech '{c}'."),
            };
        }

        return pos;
    }

    private static WordNetLexicon LoadDefault()
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"The embedded lexicon '{ResourceName}' is missing from ViGoR.Nlp.");
        using var gzip = new GZipStream(stream, CompressionMode.Decompress);
        using var reader = new StreamReader(gzip);
        return Parse(reader, "wordnet-lexicon.txt.gz (embedded)");
    }
}
