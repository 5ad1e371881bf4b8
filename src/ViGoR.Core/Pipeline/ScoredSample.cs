namespace ViGoR;

/// <summary>The automatic (detector) signals of one sentence.</summary>
/// <param name="Found">Asserted thing lemmas the detector found (each mention counts once).</param>
/// <param name="Missing">Asserted thing lemmas the detector did not find: the object-hallucination evidence.</param>
/// <param name="CountMismatches">Lemmas whose stated count differs from the number of detections (only with the count check on).</param>
/// <param name="Unverified">Asserted thing lemmas a closed-vocabulary detector cannot judge: neither found nor missing.</param>
public sealed record AutomaticSentenceSignal(
    IReadOnlyList<string> Found,
    IReadOnlyList<string> Missing,
    IReadOnlyList<string> CountMismatches,
    IReadOnlyList<string>? Unverified = null)
{
    /// <summary>Negative signal: missing mentions plus count mismatches.</summary>
    public double Penalty => Missing.Count + CountMismatches.Count;

    /// <summary>Positive signal: found mentions.</summary>
    public double Bonus => Found.Count;
}

/// <summary>Both streams' signals for one sentence; a stream that did not run is null.</summary>
public sealed record SentenceScore(int SentenceIndex, AutomaticSentenceSignal? Automatic, SentenceJudgement? RewardModel);

/// <summary>
/// One of the k samples with every signal. The per-stream totals are what the combiner sees: for
/// the automatic stream the sums over sentences; for the reward model the sums (fine-grained) or
/// one judgement for the whole text (holistic).
/// </summary>
public sealed record ScoredSample(
    int Index,
    string Text,
    ParsedText Parsed,
    IReadOnlyList<SentenceScore> Sentences,
    double AutomaticPenalty,
    double AutomaticBonus,
    double RewardModelPenalty,
    double RewardModelBonus);

/// <summary>The combiner's verdict on the k samples of one image.</summary>
/// <param name="Order">Sample indices, best first; <c>Order[0]</c> is selected.</param>
/// <param name="Penalties">Combined penalty per sample index (lower is better).</param>
/// <param name="Bonuses">Combined positive signal per sample index (breaks ties).</param>
public sealed record SampleRanking(IReadOnlyList<int> Order, IReadOnlyList<double> Penalties, IReadOnlyList<double> Bonuses)
{
    /// <summary>The selected sample index.</summary>
    public int Selected => Order[0];
}

/// <summary>Turns the fine-grained signals of the k samples of one image into one ranking.</summary>
/// <remarks>
/// Implementations may learn from what they rank (the default keeps a running window of per-stream
/// variances): call <see cref="Rank"/> in dataset order. The trainer replays journalled images
/// through it on resume so that a resumed run ranks exactly as an uninterrupted one.
/// </remarks>
public interface IRewardCombiner
{
    /// <summary>Ranks <paramref name="samples"/> (at least one). Deterministic for the same history and input.</summary>
    SampleRanking Rank(IReadOnlyList<ScoredSample> samples);
}
