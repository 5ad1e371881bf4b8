namespace ViGoR;

/// <summary>Where a mention sits: text (sample) index, sentence index, mention index within the sentence.</summary>
public readonly record struct MentionLocation(int TextIndex, int SentenceIndex, int MentionIndex);

/// <summary>One phrase to ask the detector about and the mentions its answer verifies.</summary>
/// <param name="Phrase">The lemma sent to the detector (lower case, singular).</param>
/// <param name="Mentions">Every asserted mention with this lemma, in text order.</param>
public sealed record DetectorQuery(string Phrase, IReadOnlyList<MentionLocation> Mentions);

/// <summary>Builds the detector queries for one image from the parsed texts of its samples.</summary>
public static class DetectorQueryPlanner
{
    /// <summary>
    /// The distinct lemmas of asserted <see cref="NounKind.Thing"/> mentions across all
    /// <paramref name="texts"/>, in order of first appearance (stable for the same input), each
    /// with the mentions it verifies. Negated and hedged mentions are not queried: they are never penalised.
    /// </summary>
    public static IReadOnlyList<DetectorQuery> Plan(IReadOnlyList<ParsedText> texts)
    {
        ArgumentNullException.ThrowIfNull(texts);
        var order = new List<string>();
        var byPhrase = new Dictionary<string, List<MentionLocation>>(StringComparer.Ordinal);
        for (var t = 0; t < texts.Count; t++)
        {
            var sentences = texts[t].Sentences;
            for (var s = 0; s < sentences.Count; s++)
            {
                var nouns = sentences[s].Nouns;
                for (var m = 0; m < nouns.Count; m++)
                {
                    var noun = nouns[m];
                    if (noun.Kind != NounKind.Thing || !noun.IsAsserted)
                    {
                        continue;
                    }

                    if (!byPhrase.TryGetValue(noun.Lemma, out var list))
                    {
                        list = [];
                        byPhrase.Add(noun.Lemma, list);
                        order.Add(noun.Lemma);
                    }

                    list.Add(new MentionLocation(t, s, m));
                }
            }
        }

        return order.Select(p => new DetectorQuery(p, byPhrase[p])).ToList();
    }
}
