namespace ViGoR;

/// <summary>Turns the caller's phrases into Grounding DINO's query texts.</summary>
internal static class PhraseList
{
    /// <summary>
    /// Lower-cases and trims each phrase and drops trailing '.' (the detector adds the separators
    /// itself); empty phrases are skipped and duplicates kept once.
    /// </summary>
    /// <returns>The query texts, and for each the caller's phrase it came from (first occurrence).</returns>
    public static (IReadOnlyList<string> Queries, IReadOnlyList<string> Originals) Normalise(IReadOnlyList<string> phrases)
    {
        var queries = new List<string>();
        var originals = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var phrase in phrases)
        {
            ArgumentNullException.ThrowIfNull(phrase, nameof(phrases));
            var text = phrase.Trim().TrimEnd('.').Trim().ToLowerInvariant();
            if (text.Length > 0 && seen.Add(text))
            {
                queries.Add(text);
                originals.Add(phrase);
            }
        }

        return (queries, originals);
    }
}
