namespace ViGoR;

/// <summary>
/// The sentences several annotators labelled alike: descriptions matched by id, sentences by their
/// exact span. Spans are the annotator's (docs/annotations.md), so a sentence one annotator split
/// or merged has no counterpart and is counted as unaligned rather than guessed at.
/// </summary>
internal static class AnnotationAlignment
{
    /// <summary>
    /// For each description id every annotator labelled (in the first annotator's order), the
    /// spans all of them share, each with every annotator's sentence; and how many labelled
    /// sentences had no counterpart in some other file.
    /// </summary>
    public static (IReadOnlyList<AlignedSentence> Sentences, int Descriptions, int Unaligned) Align(IReadOnlyList<IReadOnlyList<AnnotatedDescription>> annotators)
    {
        var byId = annotators.Select(a => a.ToDictionary(d => d.Id, StringComparer.Ordinal)).ToList();
        var aligned = new List<AlignedSentence>();
        var descriptions = 0;
        var unaligned = 0;
        foreach (var description in annotators[0])
        {
            if (!byId.All(d => d.ContainsKey(description.Id)))
            {
                continue;
            }

            descriptions++;
            var versions = byId.Select(d => d[description.Id]).ToList();
            EnsureSameText(versions);
            var spans = versions.Select(v => v.Sentences.ToDictionary(s => (s.Start, s.End))).ToList();
            var shared = spans.Skip(1).Aggregate(spans[0].Keys.ToHashSet(), (set, next) => { set.IntersectWith(next.Keys); return set; });
            unaligned += versions.Sum(v => v.Sentences.Count) - (shared.Count * versions.Count);
            foreach (var span in shared.OrderBy(s => s.Start))
            {
                aligned.Add(new AlignedSentence(description.Id, span.Start, span.End, [.. spans.Select(s => s[span])]));
            }
        }

        return (aligned, descriptions, unaligned);
    }

    /// <summary>Spans are offsets into the text: files that labelled different texts under one id cannot be compared.</summary>
    /// <exception cref="InvalidDataException">Two versions of the id have different descriptions.</exception>
    public static void EnsureSameText(IReadOnlyList<AnnotatedDescription> versions)
    {
        if (versions.FirstOrDefault(v => v.Description != versions[0].Description) is { } other)
        {
            throw new InvalidDataException($"Description '{other.Id}' has different texts in two annotators' files: '{versions[0].Description}' and '{other.Description}'.");
        }
    }
}

/// <summary>One sentence span that every annotator labelled, with each annotator's labels in file order.</summary>
internal sealed record AlignedSentence(string Id, int Start, int End, IReadOnlyList<AnnotatedSentence> Labels);
