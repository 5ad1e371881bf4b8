namespace ViGoR;

/// <summary>A decision the majority could not make: half the annotators said one thing, half another.</summary>
/// <param name="Id">The description's id.</param>
/// <param name="Field">The field in the merged line, as a JSON path (e.g. <c>sentences[2].errors.attribute</c>, <c>detail</c>, <c>sentences</c> for the spans).</param>
/// <param name="Votes">The split, e.g. "2 of 4 annotators say yes".</param>
/// <param name="Resolution">What the merged file holds until someone adjudicates.</param>
public sealed record AnnotationTie(string Id, string Field, string Votes, string Resolution)
{
    /// <summary>"id, field: votes; resolution".</summary>
    public override string ToString() => $"{Id}, {Field}: {Votes}; {Resolution}";
}

/// <summary>The merged annotations and the ties left for adjudication.</summary>
/// <param name="Descriptions">One line per description any annotator labelled, in first-labelled order.</param>
/// <param name="Ties">Every even split, in description order.</param>
public sealed record AnnotationMergeResult(IReadOnlyList<AnnotatedDescription> Descriptions, IReadOnlyList<AnnotationTie> Ties);

/// <summary>
/// Merges several annotators' labels by majority (<c>vigor annotations merge</c>): per description,
/// the spans most annotators used; per sentence, each error kind and <c>creative</c> that more
/// than half of those annotators gave; the most common detail rating; the missing objects more
/// than half named. An even split leaves the label out (the lower detail rating, the first
/// annotator's spans) and is listed as an <see cref="AnnotationTie"/>.
/// </summary>
public static class AnnotationMerge
{
    /// <summary>Merges the annotations of one or more annotators, one list per annotator.</summary>
    /// <exception cref="InvalidDataException">Two annotators labelled different texts under one id.</exception>
    public static AnnotationMergeResult Majority(IReadOnlyList<IReadOnlyList<AnnotatedDescription>> annotators)
    {
        ArgumentNullException.ThrowIfNull(annotators);
        var order = annotators.SelectMany(a => a).Select(d => d.Id).Distinct(StringComparer.Ordinal).ToList();
        var byId = annotators.Select(a => a.ToDictionary(d => d.Id, StringComparer.Ordinal)).ToList();
        var ties = new List<AnnotationTie>();
        var merged = order.Select(id => Merge(id, [.. byId.Where(d => d.ContainsKey(id)).Select(d => d[id])], ties)).ToList();
        return new AnnotationMergeResult(merged, ties);
    }

    private static AnnotatedDescription Merge(string id, List<AnnotatedDescription> versions, List<AnnotationTie> ties)
    {
        AnnotationAlignment.EnsureSameText(versions);
        static string SpanKey(AnnotatedDescription d) => string.Join(';', d.Sentences.Select(s => $"{s.Start}-{s.End}"));
        var groups = versions.GroupBy(SpanKey).OrderByDescending(g => g.Count()).ToList();
        if (groups.Count > 1 && groups[1].Count() == groups[0].Count())
        {
            ties.Add(new AnnotationTie(id, "sentences", $"{groups[0].Count()} of {versions.Count} annotators split the description alike, as many split it otherwise", "the spans of the first of them"));
        }

        var voters = groups[0].ToList();
        var first = voters[0];
        var sentences = first.Sentences.Select((sentence, i) =>
        {
            bool? Vote(string field, Func<AnnotatedSentence, bool> says)
            {
                var yes = voters.Count(v => says(v.Sentences[i]));
                if (yes * 2 == voters.Count)
                {
                    ties.Add(new AnnotationTie(id, $"sentences[{i}].{field}", $"{yes} of {voters.Count} annotators say yes", "left out"));
                }

                return yes * 2 > voters.Count;
            }

            var errors = SentenceErrorKindNames.Errors
                .Where(k => Vote($"errors.{k.Name}", s => s.Errors.Contains(k.Kind)) == true)
                .Select(k => k.Kind)
                .ToList();
            return new AnnotatedSentence(sentence.Start, sentence.End, errors, Vote("creative", s => s.Creative) == true);
        }).ToList();
        return first with { Sentences = sentences, Detail = Detail(id, voters, ties), Missing = Missing(id, voters, ties), Revision = 0 };
    }

    private static int? Detail(string id, List<AnnotatedDescription> voters, List<AnnotationTie> ties)
    {
        var ratings = voters.Where(v => v.Detail is not null).GroupBy(v => v.Detail!.Value)
            .OrderByDescending(g => g.Count()).ThenBy(g => g.Key).ToList();
        if (ratings.Count == 0)
        {
            return null;
        }

        if (ratings.Count > 1 && ratings[1].Count() == ratings[0].Count())
        {
            var top = ratings.Where(g => g.Count() == ratings[0].Count()).Select(g => g.Key);
            ties.Add(new AnnotationTie(id, "detail", $"{string.Join(", ", top)} each rated by {ratings[0].Count()} of {voters.Count} annotators", $"the lowest, {ratings[0].Key}"));
        }

        return ratings[0].Key;
    }

    private static List<string>? Missing(string id, List<AnnotatedDescription> voters, List<AnnotationTie> ties)
    {
        if (voters.All(v => v.Missing is null))
        {
            return null;
        }

        var named = voters.SelectMany(v => (v.Missing ?? []).Select(m => m.Trim()).Distinct(StringComparer.OrdinalIgnoreCase))
            .GroupBy(m => m, StringComparer.OrdinalIgnoreCase).ToList();
        foreach (var tie in named.Where(g => g.Count() * 2 == voters.Count))
        {
            ties.Add(new AnnotationTie(id, "missing", $"'{tie.Key}' named by {tie.Count()} of {voters.Count} annotators", "left out"));
        }

        return [.. named.Where(g => g.Count() * 2 > voters.Count).Select(g => g.First())];
    }
}
