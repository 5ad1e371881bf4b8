namespace ViGoR;

/// <summary>A sentence dropped from the refined target: which streams dropped it and why.</summary>
/// <param name="SentenceIndex">The sentence's index in the chosen sample.</param>
/// <param name="Text">The dropped sentence.</param>
/// <param name="Reasons">
/// Each stream that asked for the drop, by stream name, with its <see cref="SentenceSignal.Drop"/> as
/// it gave it (e.g. <c>automatic</c>: the objects the detector did not find; <c>reward_model</c>:
/// <c>object_hallucination</c>; <c>vqa</c>: the objects answered no).
/// </param>
public sealed record DroppedSentence(int SentenceIndex, string Text, IReadOnlyDictionary<string, IReadOnlyList<string>> Reasons)
{
    /// <summary>
    /// The automatic stream's reasons: the asserted objects the detector did not find (empty when only
    /// other streams dropped the sentence). A shorthand for <c>Reasons["automatic"]</c>, not journalled.
    /// </summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public IReadOnlyList<string> MissingObjects => Reasons.GetValueOrDefault(RewardStreams.Automatic) ?? [];

    /// <summary>Each stream's reasons as one line, streams in name order: <c>automatic: giraffe; vqa: cat, kite</c>.</summary>
    public string DescribeReasons() =>
        string.Join("; ", Reasons.OrderBy(r => r.Key, StringComparer.Ordinal).Select(r => $"{r.Key}: {string.Join(", ", r.Value)}"));
}

/// <summary>The refined supervision text.</summary>
/// <param name="Text">The kept sentences, verbatim, with the original white space between them; empty when nothing is left.</param>
/// <param name="Dropped">The dropped sentences and why.</param>
public sealed record RefinedText(string Text, IReadOnlyList<DroppedSentence> Dropped)
{
    /// <summary>True when no sentence is left to train on.</summary>
    public bool IsEmpty => Text.Length == 0;
}

/// <summary>
/// Refinement (Yan et al., Sec. 3.4): drops every sentence that any stream asks to drop
/// (<see cref="SentenceSignal.Drop"/>), recording each stream's reasons: the automatic stream's
/// sentences that name an object the detector did not find, the reward model's object
/// hallucinations unless switched off (<see cref="RewardModelStreamOptions.DropObjectHallucinations"/>),
/// and whatever another stream drops. The rest is kept verbatim.
/// </summary>
public static class SupervisionRefiner
{
    /// <summary>Refines <paramref name="sample"/>.</summary>
    public static RefinedText Refine(ScoredSample sample)
    {
        ArgumentNullException.ThrowIfNull(sample);
        var text = sample.Text;
        var sentences = sample.Parsed.Sentences;
        var dropped = new List<DroppedSentence>();
        var builder = new System.Text.StringBuilder(text.Length);
        var first = true;
        for (var i = 0; i < sentences.Count; i++)
        {
            var sentence = sentences[i];
            var reasons = new SortedDictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
            foreach (var (name, score) in sample.Streams)
            {
                if (score.Sentences[i]?.Drop is { Count: > 0 } drop)
                {
                    reasons[name] = drop;
                }
            }

            if (reasons.Count > 0)
            {
                dropped.Add(new DroppedSentence(i, sentence.Text, reasons));
                continue;
            }

            if (!first)
            {
                // The white space that preceded this sentence in the original (a space, or a paragraph break).
                var gapStart = i == 0 ? 0 : sentences[i - 1].End;
                builder.Append(text, gapStart, sentence.Start - gapStart);
            }

            builder.Append(sentence.Text);
            first = false;
        }

        return new RefinedText(builder.ToString(), dropped);
    }

    /// <summary>
    /// What refinement keeps of <paramref name="sample"/>, as a sample to rank: its kept sentences,
    /// each stream's signals on them and totals summed over them (<see cref="StreamScore.Sum"/>);
    /// null when nothing is kept. Used by <see cref="SelectionOrder.RefineThenSelect"/>. The text stays
    /// the sample's own, so that the kept sentences' spans still index into it; the kept text itself
    /// is <see cref="Refine"/>'s.
    /// </summary>
    public static ScoredSample? Keep(ScoredSample sample)
    {
        var refined = Refine(sample);
        if (refined.IsEmpty)
        {
            return null;
        }

        var dropped = refined.Dropped.Select(d => d.SentenceIndex).ToHashSet();
        var kept = Enumerable.Range(0, sample.Parsed.Sentences.Count).Where(i => !dropped.Contains(i)).ToList();
        var streams = new SortedDictionary<string, StreamScore>(StringComparer.Ordinal);
        foreach (var (name, score) in sample.Streams)
        {
            streams[name] = StreamScore.Sum(kept.Select(i => score.Sentences[i]).ToList());
        }

        return new ScoredSample(sample.Index, new ParsedText(sample.Text, kept.Select(i => sample.Parsed.Sentences[i]).ToList()), streams);
    }
}
