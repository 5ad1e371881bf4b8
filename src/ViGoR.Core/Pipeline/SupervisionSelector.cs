using System.Globalization;

namespace ViGoR;

/// <summary>Which statistics each image's samples are normalised with.</summary>
public enum StatisticsScope
{
    /// <summary>
    /// The statistics of every scored sample of the data set (default): selection is a pure function
    /// of the journalled signals, and a run split into chunks and merged selects exactly as one
    /// unsharded run.
    /// </summary>
    DataSet,

    /// <summary>
    /// A running window of the most recent samples, each image ranked with the window that ends with
    /// its own samples: for streaming use. Order-dependent: chunks select differently from one run.
    /// </summary>
    RunningWindow,
}

/// <summary>Whether each image's samples are refined after selection (the paper) or before it.</summary>
public enum SelectionOrder
{
    /// <summary>
    /// Select the least-penalised sample, then refine it (Yan et al., Sec. 3.3-3.4; default). When
    /// refinement drops every sentence of the chosen sample the image has no target, even if
    /// another sample would have kept a clean text.
    /// </summary>
    SelectThenRefine,

    /// <summary>
    /// Refine every sample, then choose among those that keep a sentence: least combined penalty of
    /// what each keeps (the combiner on the kept sentences' signals, normalised with the same
    /// statistics), then most positive signal of what it keeps, then the lower index. An image has a
    /// target whenever any sample keeps a sentence; when none does, it is ranked as
    /// <see cref="SelectThenRefine"/> ranks it and has no target. Beyond the paper: measure it
    /// against the default.
    /// </summary>
    /// <remarks>
    /// What a sample keeps is scored by summing each stream's signals over the kept sentences
    /// (<see cref="SupervisionRefiner.Keep"/>): right for streams that score sentence by sentence (the
    /// detector, the fine-grained reward model). A holistic reward model's judgement is of the whole
    /// description and sits on its first sentence, so it counts only while that sentence is kept.
    /// </remarks>
    RefineThenSelect,
}

/// <summary>Settings of selection (Yan et al., Sec. 3.3) and the statistics it normalises with.</summary>
public sealed class SelectionOptions
{
    /// <summary>Select then refine (the paper, default) or refine then select. Recorded in the supervision journal's header.</summary>
    public SelectionOrder Order { get; set; } = SelectionOrder.SelectThenRefine;

    /// <summary>Data-set (default) or running-window statistics. Ignored when <see cref="Statistics"/> is given.</summary>
    public StatisticsScope Scope { get; set; } = StatisticsScope.DataSet;

    /// <summary>Samples in the running window. Default 500 (100 images of k = 5).</summary>
    public int WindowSize { get; set; } = 500;

    /// <summary>Precomputed statistics (e.g. of a larger calibration run) to use instead of computing them.</summary>
    public RewardStatistics? Statistics { get; set; }

    /// <summary>A copy.</summary>
    public SelectionOptions Clone() => new() { Order = Order, Scope = Scope, WindowSize = WindowSize, Statistics = Statistics };
}

/// <summary>The records of a selection pass and the statistics it used.</summary>
/// <param name="Records">One record per scored record, in the same order: selected and refined (ok or no_target), or failed as before.</param>
/// <param name="Statistics">The data-set (or precomputed) statistics; for a running window, those of the whole set for reference.</param>
public sealed record SelectionResult(IReadOnlyList<SupervisionRecord> Records, RewardStatistics Statistics);

/// <summary>
/// Selection and refinement as a final pass over scored records (Yan et al., Sec. 3.3-3.4): the
/// per-stream statistics are computed over all scored samples, then every image's samples are
/// ranked by the combiner, the least-penalty one is chosen and refined (or, with
/// <see cref="SelectionOrder.RefineThenSelect"/>, every sample is refined and what each keeps is
/// ranked). Pure and deterministic:
/// the same records in the same order give byte-identical results, however they were produced.
/// </summary>
public static class SupervisionSelector
{
    /// <summary>Selects and refines every <see cref="SupervisionStatus.Scored"/> record; failed records pass through.</summary>
    /// <exception cref="ArgumentException">A record is neither scored nor failed.</exception>
    public static SelectionResult Select(IReadOnlyList<SupervisionRecord> scored, IRewardCombiner combiner, SelectionOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(scored);
        ArgumentNullException.ThrowIfNull(combiner);
        options ??= new SelectionOptions();
        var candidates = new List<ScoredSample>[scored.Count];
        for (var i = 0; i < scored.Count; i++)
        {
            var record = scored[i];
            if (record.Status is not (SupervisionStatus.Scored or SupervisionStatus.Failed))
            {
                throw new ArgumentException($"Record {i + 1} (image '{record.ImageId}') is '{record.Status}': selection takes scored records (a scores journal).", nameof(scored));
            }

            candidates[i] = record.Status == SupervisionStatus.Scored ? record.Samples.Where(s => s.Sentences.Count > 0).Select(ToScoredSample).ToList() : [];
        }

        var dataSet = options.Statistics ?? RewardStatistics.Compute(candidates.SelectMany(c => c));
        var window = options.Statistics is null && options.Scope == StatisticsScope.RunningWindow ? new RunningRewardStatistics(options.WindowSize) : null;
        var records = new SupervisionRecord[scored.Count];
        for (var i = 0; i < scored.Count; i++)
        {
            if (scored[i].Status == SupervisionStatus.Failed)
            {
                records[i] = scored[i];
                continue;
            }

            if (candidates[i].Count == 0)
            {
                throw new ArgumentException($"Record {i + 1} (image '{scored[i].ImageId}') is scored but has no non-empty sample.", nameof(scored));
            }

            var own = window?.Add(candidates[i]);
            records[i] = Select(scored[i], candidates[i], combiner, own ?? dataSet, options.Order) with { Statistics = own };
        }

        return new SelectionResult(records, dataSet);
    }

    /// <summary>Rebuilds a scored sample from its journal record (sentences, spans, nouns and every stream's signals).</summary>
    public static ScoredSample ToScoredSample(SampleRecord sample)
    {
        ArgumentNullException.ThrowIfNull(sample);
        var sentences = sample.Sentences.Select((s, i) => new ParsedSentence(i, s.Start, s.End, s.Text, s.Nouns)).ToList();
        var streams = new SortedDictionary<string, StreamScore>(StringComparer.Ordinal);
        foreach (var (name, totals) in sample.Streams)
        {
            streams[name] = new StreamScore(sample.Sentences.Select(s => s.Signals.GetValueOrDefault(name)).ToList(), totals.Penalty, totals.Bonus);
        }

        return new ScoredSample(sample.Index, new ParsedText(sample.Text, sentences), streams);
    }

    /// <summary>The journal record of a scored sample (not yet ranked).</summary>
    public static SampleRecord ToRecord(ScoredSample sample)
    {
        ArgumentNullException.ThrowIfNull(sample);
        var streams = new SortedDictionary<string, StreamTotals>(StringComparer.Ordinal);
        foreach (var (name, score) in sample.Streams)
        {
            if (score.Applicable)
            {
                streams[name] = new StreamTotals(score.Penalty, score.Bonus);
            }
        }

        return new SampleRecord
        {
            Index = sample.Index,
            Text = sample.Text,
            Streams = streams,
            Sentences = sample.Parsed.Sentences.Select((s, i) =>
            {
                var signals = new SortedDictionary<string, SentenceSignal>(StringComparer.Ordinal);
                foreach (var (name, score) in sample.Streams)
                {
                    if (score.Sentences[i] is { } signal)
                    {
                        signals[name] = signal;
                    }
                }

                return new SentenceRecord { Start = s.Start, End = s.End, Text = s.Text, Nouns = s.Nouns, Signals = signals };
            }).ToList(),
        };
    }

    private static SupervisionRecord Select(SupervisionRecord record, List<ScoredSample> candidates, IRewardCombiner combiner, RewardStatistics statistics, SelectionOrder order)
    {
        // Refining first, what each sample keeps is ranked, and a sample that keeps nothing is not;
        // when none keeps anything the image is ranked as the paper ranks it, and has no target.
        var ranked = candidates;
        if (order == SelectionOrder.RefineThenSelect)
        {
            var kept = candidates.Select(SupervisionRefiner.Keep).OfType<ScoredSample>().ToList();
            ranked = kept.Count > 0 ? kept : candidates;
        }

        var ranking = combiner.Rank(ranked, statistics);
        var chosen = candidates.First(c => c.Index == ranked[ranking.Selected].Index);
        var refined = SupervisionRefiner.Refine(chosen);
        var samples = record.Samples.ToArray();
        for (var rank = 0; rank < ranking.Order.Count; rank++)
        {
            var position = ranking.Order[rank];
            var index = ranked[position].Index;
            var at = Array.FindIndex(samples, s => s.Index == index);
            samples[at] = samples[at] with { Rank = rank, CombinedPenalty = ranking.Penalties[position], CombinedBonus = ranking.Bonuses[position] };
        }

        return record with
        {
            Status = refined.IsEmpty ? SupervisionStatus.NoTarget : SupervisionStatus.Ok,
            Error = !refined.IsEmpty ? null
                : order == SelectionOrder.RefineThenSelect ? "Refinement dropped every sentence of every sample."
                : string.Create(CultureInfo.InvariantCulture, $"Refinement dropped every sentence of the chosen sample ({chosen.Index})."),
            Samples = samples,
            Chosen = chosen.Index,
            Target = refined.IsEmpty ? null : refined.Text,
            Dropped = refined.Dropped,
        };
    }
}
