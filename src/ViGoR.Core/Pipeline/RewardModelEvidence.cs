using System.Text.Json;

namespace ViGoR;

/// <summary>
/// The reward-model stream's evidence for one sentence (<see cref="RewardModelStream"/>), a typed
/// view of <see cref="SentenceSignal.Evidence"/>: journalled as <c>score</c>, <c>label_score</c>,
/// <c>error</c> (snake_case, e.g. <c>object_hallucination</c>) and <c>unreadable</c>, each written
/// only when set.
/// </summary>
public sealed record RewardModelEvidence
{
    /// <summary>The number the reward model returned (negative = error).</summary>
    public double? Score { get; init; }

    /// <summary>
    /// Its most probable label's score, where <see cref="Score"/> is an expectation over labels
    /// (<see cref="SentenceJudgement.LabelScore"/>); the signal under <see cref="RewardSignal.Label"/>.
    /// </summary>
    public double? LabelScore { get; init; }

    /// <summary>The error category it reported.</summary>
    public SentenceErrorKind? Error { get; init; }

    /// <summary>True when its reply could not be read as a number and was taken as neutral; otherwise unset.</summary>
    public bool? Unreadable { get; init; }

    /// <summary>The reward-model evidence of <paramref name="signal"/>; null when it holds none (no signal, or another stream's).</summary>
    /// <exception cref="JsonException">One of the names holds a value of another type.</exception>
    public static RewardModelEvidence? From(SentenceSignal? signal) => EvidenceView<RewardModelEvidence>.Read(signal);

    /// <summary>Writes the set properties into <paramref name="evidence"/> under their journal names.</summary>
    public void WriteTo(IDictionary<string, JsonElement> evidence) => EvidenceView<RewardModelEvidence>.Write(this, evidence);

    /// <summary>The set properties as a new evidence dictionary, for <see cref="SentenceSignal.Evidence"/>.</summary>
    public Dictionary<string, JsonElement> ToEvidence() => EvidenceView<RewardModelEvidence>.ToEvidence(this);
}
