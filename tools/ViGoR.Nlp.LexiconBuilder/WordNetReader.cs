using System.Globalization;

namespace ViGoR.Nlp.LexiconBuilder;

/// <summary>Opens one WordNet database file by its Debian name (e.g. <c>index.noun</c>).</summary>
internal interface IWordNetSource
{
    TextReader Open(string fileName);
}

internal sealed class DirectoryWordNetSource(string directory) : IWordNetSource
{
    public TextReader Open(string fileName)
    {
        var path = Path.Combine(directory, fileName);
        if (!File.Exists(path))
        {
            throw new IOException($"{path} is missing: install Debian's wordnet-base or pass --wordnet DIR.");
        }

        return new StreamReader(path);
    }
}

/// <summary>One word form of the lexicon and what WordNet says about it.</summary>
/// <param name="Form">Lower case; words of a collocation are separated by one space.</param>
/// <param name="Pos">The parts of speech WordNet lists the form under, in the order n, v, a, r.</param>
/// <param name="Kind">For nouns: T (thing), S (stuff) or X (not visual), from the lexicographer files of its senses; '-' otherwise.</param>
/// <param name="Dominant">The part of speech with the most SemCor-tagged senses (ties: more senses, then n, v, a, r).</param>
internal sealed record LexiconEntry(string Form, string Pos, char Kind, char Dominant);

internal sealed record BuiltLexicon(
    IReadOnlyList<LexiconEntry> Words,
    IReadOnlyList<KeyValuePair<string, string>> NounExceptions,
    IReadOnlyList<KeyValuePair<string, string>> VerbExceptions);

/// <summary>Reads the WordNet 3.0 database files into the compact lexicon the extractor embeds.</summary>
internal static class WordNetReader
{
    // Lexicographer file numbers from WordNet's lexnames(5).
    private static readonly HashSet<int> ThingFiles = [5, 6, 8, 13, 17, 18, 20]; // animal, artifact, body, food, object, person, plant
    private static readonly HashSet<int> StuffFiles = [19, 27]; // phenomenon, substance
    private const int MaxCollocationWords = 3;
    private const int MaxFormLength = 32;

    public static BuiltLexicon Read(IWordNetSource source)
    {
        var tagCounts = ReadTagCounts(source);
        var (lexFileByOffset, commonNouns) = ReadNounData(source);
        var builders = new SortedDictionary<string, EntryBuilder>(StringComparer.Ordinal);

        foreach (var (pos, file) in new[] { ('n', "index.noun"), ('v', "index.verb"), ('a', "index.adj"), ('r', "index.adv") })
        {
            using var reader = source.Open(file);
            var lineNumber = 0;
            while (reader.ReadLine() is { } line)
            {
                lineNumber++;
                if (line.Length == 0 || line[0] == ' ')
                {
                    continue; // licence header
                }

                var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (fields.Length < 6)
                {
                    throw new FormatException($"{file}, line {lineNumber}: expected at least 6 fields.");
                }

                var lemma = fields[0];
                var words = lemma.Split('_');
                if (lemma.Length > MaxFormLength || !words.All(IsPlainWord) || (pos != 'n' && words.Length > 1) || words.Length > MaxCollocationWords)
                {
                    continue;
                }

                var synsetCount = int.Parse(fields[2], CultureInfo.InvariantCulture);
                var pointerCount = int.Parse(fields[3], CultureInfo.InvariantCulture);
                var offsetsStart = 4 + pointerCount + 2;
                if (fields.Length < offsetsStart + synsetCount)
                {
                    throw new FormatException($"{file}, line {lineNumber}: expected {synsetCount} synset offsets.");
                }

                char kind = '-';
                if (pos == 'n')
                {
                    if (!commonNouns.Contains(lemma))
                    {
                        continue; // only instances (Einstein, Paris): not objects a caption names generically
                    }

                    kind = Classify(lemma, fields.AsSpan(offsetsStart, synsetCount), lexFileByOffset, tagCounts, file, lineNumber);
                    if (words.Length > 1 && kind == 'X')
                    {
                        continue; // only visual collocations are matched as one mention
                    }
                }

                var form = lemma.Replace('_', ' ');
                if (!builders.TryGetValue(form, out var builder))
                {
                    builder = new EntryBuilder();
                    builders.Add(form, builder);
                }

                builder.Add(pos, kind, synsetCount, TotalTagCount(tagCounts, lemma, pos));
            }
        }

        var entries = builders.Select(p => p.Value.Build(p.Key)).ToList();
        var nouns = entries.Where(e => e.Pos.Contains('n', StringComparison.Ordinal)).Select(e => e.Form).ToHashSet(StringComparer.Ordinal);
        var verbs = entries.Where(e => e.Pos.Contains('v', StringComparison.Ordinal)).Select(e => e.Form).ToHashSet(StringComparer.Ordinal);
        return new BuiltLexicon(entries, ReadExceptions(source, "noun.exc", nouns), ReadExceptions(source, "verb.exc", verbs));
    }

    private static bool IsPlainWord(string word) =>
        word.Length > 0 && char.IsAsciiLetterLower(word[0]) && word.All(c => char.IsAsciiLetterLower(c) || c == '-' || c == '\'');

    private static char Classify(
        string lemma,
        ReadOnlySpan<string> offsets,
        Dictionary<long, int> lexFileByOffset,
        Dictionary<(string Lemma, char Pos), Dictionary<int, int>> tagCounts,
        string file,
        int lineNumber)
    {
        tagCounts.TryGetValue((lemma, 'n'), out var counts);
        double thing = 0, stuff = 0, other = 0;
        for (var i = 0; i < offsets.Length; i++)
        {
            var offset = long.Parse(offsets[i], CultureInfo.InvariantCulture);
            if (!lexFileByOffset.TryGetValue(offset, out var lexFile))
            {
                throw new FormatException($"{file}, line {lineNumber}: synset {offsets[i]} is not in data.noun.");
            }

            // SemCor frequency decides, with a prior that favours WordNet's sense order.
            var weight = (counts is not null && counts.TryGetValue(i + 1, out var c) ? c : 0) + (1.0 / (i + 1));
            if (ThingFiles.Contains(lexFile))
            {
                thing += weight;
            }
            else if (StuffFiles.Contains(lexFile))
            {
                stuff += weight;
            }
            else
            {
                other += weight;
            }
        }

        return thing >= stuff && thing >= other ? 'T' : stuff >= other ? 'S' : 'X';
    }

    private static int TotalTagCount(Dictionary<(string Lemma, char Pos), Dictionary<int, int>> tagCounts, string lemma, char pos) =>
        tagCounts.TryGetValue((lemma, pos), out var counts) ? counts.Values.Sum() : 0;

    private static Dictionary<(string Lemma, char Pos), Dictionary<int, int>> ReadTagCounts(IWordNetSource source)
    {
        // cntlist.rev: "sense_key sense_number tag_cnt", sense_key = lemma%ss_type:lex_filenum:lex_id:head:head_id.
        var result = new Dictionary<(string, char), Dictionary<int, int>>();
        using var reader = source.Open("cntlist.rev");
        var lineNumber = 0;
        while (reader.ReadLine() is { } line)
        {
            lineNumber++;
            var fields = line.Split(' ');
            var percent = fields[0].IndexOf('%', StringComparison.Ordinal);
            if (fields.Length != 3 || percent <= 0 || percent + 1 >= fields[0].Length)
            {
                throw new FormatException($"cntlist.rev, line {lineNumber}: expected 'sense_key sense_number tag_cnt'.");
            }

            var pos = fields[0][percent + 1] switch
            {
                '1' => 'n',
                '2' => 'v',
                '3' or '5' => 'a',
                '4' => 'r',
                _ => throw new FormatException($"cntlist.rev, line {lineNumber}: unknown synset type in '{fields[0]}'."),
            };
            var key = (fields[0][..percent], pos);
            if (!result.TryGetValue(key, out var counts))
            {
                counts = [];
                result.Add(key, counts);
            }

            var sense = int.Parse(fields[1], CultureInfo.InvariantCulture);
            counts[sense] = counts.GetValueOrDefault(sense) + int.Parse(fields[2], CultureInfo.InvariantCulture);
        }

        return result;
    }

    private static (Dictionary<long, int> LexFileByOffset, HashSet<string> CommonNouns) ReadNounData(IWordNetSource source)
    {
        // data.noun: "offset lex_filenum ss_type w_cnt(hex) word lex_id [word lex_id]... p_cnt ..."
        var lexFiles = new Dictionary<long, int>();
        var common = new HashSet<string>(StringComparer.Ordinal);
        using var reader = source.Open("data.noun");
        var lineNumber = 0;
        while (reader.ReadLine() is { } line)
        {
            lineNumber++;
            if (line.Length == 0 || line[0] == ' ')
            {
                continue;
            }

            var fields = line.Split(' ', 5 + (2 * 64));
            if (fields.Length < 6)
            {
                throw new FormatException($"data.noun, line {lineNumber}: expected a synset line.");
            }

            lexFiles[long.Parse(fields[0], CultureInfo.InvariantCulture)] = int.Parse(fields[1], CultureInfo.InvariantCulture);
            var wordCount = int.Parse(fields[3], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            // Instances ("@i": Einstein, Paris) are proper nouns; capitalised words of ordinary synsets
            // ("T-shirt", "Christmas tree", "Ferris wheel") are common nouns.
            var isInstance = line.Contains(" @i ", StringComparison.Ordinal);
            for (var w = 0; w < wordCount && 4 + (2 * w) < fields.Length; w++)
            {
                var word = fields[4 + (2 * w)];
                if (!isInstance || !word.Any(char.IsUpper))
                {
                    common.Add(word.ToLowerInvariant());
                }
            }
        }

        return (lexFiles, common);
    }

    private static List<KeyValuePair<string, string>> ReadExceptions(IWordNetSource source, string file, HashSet<string> bases)
    {
        var result = new SortedDictionary<string, string>(StringComparer.Ordinal);
        using var reader = source.Open(file);
        while (reader.ReadLine() is { } line)
        {
            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length < 2 || !IsPlainWord(fields[0]))
            {
                continue;
            }

            // The first listed base that the lexicon keeps; noun.exc lists the usual reading first.
            var baseForm = fields.Skip(1).FirstOrDefault(b => bases.Contains(b.Replace('_', ' ')));
            if (baseForm is not null)
            {
                result.TryAdd(fields[0], baseForm.Replace('_', ' '));
            }
        }

        return [.. result];
    }

    private sealed class EntryBuilder
    {
        private readonly SortedSet<char> _pos = [];
        private readonly Dictionary<char, (int Tagged, int Senses)> _weights = [];
        private char _kind = '-';

        public void Add(char pos, char kind, int senses, int tagged)
        {
            _pos.Add(pos);
            if (pos == 'n')
            {
                _kind = kind;
            }

            var (t, s) = _weights.GetValueOrDefault(pos);
            _weights[pos] = (t + tagged, s + senses);
        }

        public LexiconEntry Build(string form)
        {
            const string order = "nvar";
            var posText = string.Concat(order.Where(_pos.Contains));
            var dominant = posText
                .OrderByDescending(p => _weights[p].Tagged)
                .ThenByDescending(p => _weights[p].Senses)
                .ThenBy(p => order.IndexOf(p, StringComparison.Ordinal))
                .First();
            return new LexiconEntry(form, posText, _kind, dominant);
        }
    }
}
