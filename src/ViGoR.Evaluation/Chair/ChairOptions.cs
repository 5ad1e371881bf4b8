namespace ViGoR.Evaluation;

/// <summary>Settings of CHAIR's object extraction.</summary>
public sealed class ChairOptions
{
    /// <summary>The COCO categories and their synonyms. Default: CHAIR's own table.</summary>
    public CocoVocabulary Vocabulary { get; set; } = CocoVocabulary.Default;

    /// <summary>
    /// Maps a lower-case token to its singular. Default: <see cref="PatternSingularizer.Singularize"/>,
    /// the rules CHAIR uses. Any function (a WordNet lemmatizer, for instance) can replace it; it
    /// must be safe for concurrent callers.
    /// </summary>
    public Func<string, string> Singularize { get; set; } = PatternSingularizer.Singularize;

    /// <summary>
    /// Words of the table that CHAIR can never match. CHAIR splits <c>synonyms.txt</c> on ", " and
    /// compares lower-cased tokens with the entries as written: two entries follow a double space
    /// (" motor bike", " cheesecake") and one has capitals ("iPhone"), so no token ever equals them.
    /// Default: those three, so that published CHAIR numbers are reproduced; clear the set to count them.
    /// </summary>
    public ISet<string> UnmatchableWords { get; init; } = new HashSet<string>(StringComparer.Ordinal) { "motor bike", "cheesecake", "iphone" };

    /// <summary>A copy.</summary>
    public ChairOptions Clone() => new()
    {
        Vocabulary = Vocabulary,
        Singularize = Singularize,
        UnmatchableWords = new HashSet<string>(UnmatchableWords, StringComparer.Ordinal),
    };
}
