using System.Collections.Frozen;
using System.Reflection;

// In Core because CHAIR (ViGoR.Evaluation), the annotation detector and the noun extractor all use it;
// the namespace is the one it was published in.
namespace ViGoR.Evaluation;

/// <summary>
/// The 80 COCO object categories and the words that name each, as CHAIR (Rohrbach et al., 2018,
/// <c>data/synonyms.txt</c>) lists them. Used by CHAIR and by the annotation-backed detector to
/// map a noun lemma to a category. Words are lower case; a word may be two words ("fire hydrant").
/// </summary>
/// <remarks>Immutable and thread-safe.</remarks>
public sealed class CocoVocabulary
{
    private static readonly Lazy<CocoVocabulary> DefaultInstance = new(LoadDefault);
    private readonly FrozenDictionary<string, string> _categoryByWord;

    private CocoVocabulary(IReadOnlyList<string> categories, IReadOnlyDictionary<string, IReadOnlyList<string>> synonyms)
    {
        Categories = categories;
        Synonyms = synonyms;
        var byWord = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var category in categories)
        {
            foreach (var word in synonyms[category])
            {
                // The first category that lists a word wins, as in CHAIR's own loop order.
                byWord.TryAdd(word, category);
            }
        }

        _categoryByWord = byWord.ToFrozenDictionary(StringComparer.Ordinal);
    }

    /// <summary>CHAIR's table, shipped inside this assembly.</summary>
    public static CocoVocabulary Default => DefaultInstance.Value;

    /// <summary>Category names in file order (the first word of each line).</summary>
    public IReadOnlyList<string> Categories { get; }

    /// <summary>Every word naming each category, the category name included, without duplicates.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> Synonyms { get; }

    /// <summary>All words of the table (single and two-word).</summary>
    public IEnumerable<string> Words => _categoryByWord.Keys;

    /// <summary>The category that <paramref name="word"/> (lower case, singular) names, if any.</summary>
    public bool TryGetCategory(string word, out string category)
    {
        if (_categoryByWord.TryGetValue(word, out var found))
        {
            category = found;
            return true;
        }

        category = string.Empty;
        return false;
    }

    /// <summary>
    /// Parses a synonyms table: one category a line, comma-separated, the category name first.
    /// Blank lines are skipped.
    /// </summary>
    /// <exception cref="FormatException">A line has no category name; the message gives the line number.</exception>
    public static CocoVocabulary Parse(TextReader reader, string sourceName = "synonyms")
    {
        var categories = new List<string>();
        var synonyms = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        var lineNumber = 0;
        while (reader.ReadLine() is { } line)
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            var words = line.Split(',', StringSplitOptions.TrimEntries)
                .Select(w => w.ToLowerInvariant())
                .ToList();
            if (words[0].Length == 0)
            {
                throw new FormatException($"{sourceName}, line {lineNumber}: the line must start with a category name.");
            }

            var category = words[0];
            var distinct = words.Where(w => w.Length > 0).Distinct(StringComparer.Ordinal).ToList();
            if (!synonyms.TryAdd(category, distinct))
            {
                throw new FormatException($"{sourceName}, line {lineNumber}: category '{category}' is listed twice.");
            }

            categories.Add(category);
        }

        return new CocoVocabulary(categories, synonyms);
    }

    private static CocoVocabulary LoadDefault()
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("ViGoR.Evaluation.coco_synonyms.txt")
            ?? throw new InvalidOperationException("The embedded COCO synonyms table is missing from ViGoR.Core.");
        using var reader = new StreamReader(stream);
        return Parse(reader, "coco_synonyms.txt (embedded)");
    }
}
