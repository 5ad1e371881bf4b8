namespace ViGoR.Nlp;

/// <summary>
/// Adjusts <see cref="WordNetNounExtractor"/>'s vocabulary. Words are lower-case singular lemmas;
/// two-word names ("stop sign") are matched as one mention. Later lists win: a word in
/// <see cref="NotVisualWords"/> is never returned even if it is also in <see cref="ThingWords"/>.
/// </summary>
public sealed class WordNetNounExtractorOptions
{
    /// <summary>
    /// Whether every word of CHAIR's COCO synonym table (<see cref="ViGoR.Evaluation.CocoVocabulary"/>)
    /// counts as a thing, so that every COCO object a detector knows is queried. Default true.
    /// </summary>
    public bool IncludeCocoVocabulary { get; set; } = true;

    /// <summary>Extra countable objects (e.g. domain words WordNet lacks: "drone", "e-scooter").</summary>
    public ISet<string> ThingWords { get; } = new HashSet<string>(StringComparer.Ordinal);

    /// <summary>Extra amorphous regions or materials, returned with kind stuff and never queried.</summary>
    public ISet<string> StuffWords { get; } = new HashSet<string>(StringComparer.Ordinal);

    /// <summary>Extra words never returned (image talk, abstractions).</summary>
    public ISet<string> NotVisualWords { get; } = new HashSet<string>(StringComparer.Ordinal);

    /// <summary>A deep copy.</summary>
    public WordNetNounExtractorOptions Clone()
    {
        var clone = new WordNetNounExtractorOptions { IncludeCocoVocabulary = IncludeCocoVocabulary };
        clone.ThingWords.UnionWith(ThingWords);
        clone.StuffWords.UnionWith(StuffWords);
        clone.NotVisualWords.UnionWith(NotVisualWords);
        return clone;
    }
}
