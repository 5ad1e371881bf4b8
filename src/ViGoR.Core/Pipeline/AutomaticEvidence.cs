using System.Text.Json;

namespace ViGoR;

/// <summary>
/// The automatic stream's evidence for one sentence (<see cref="AutomaticRewardStream"/>), a typed
/// view of <see cref="SentenceSignal.Evidence"/>: journalled as <c>found</c>, <c>missing</c>,
/// <c>count_mismatches</c> and <c>unverified</c>, each written only when set.
/// </summary>
public sealed record AutomaticEvidence
{
    /// <summary>Asserted objects the detector found.</summary>
    public IReadOnlyList<string>? Found { get; init; }

    /// <summary>Asserted objects the detector did not find (object-hallucination evidence).</summary>
    public IReadOnlyList<string>? Missing { get; init; }

    /// <summary>Objects whose stated count differs from the detections (count check on).</summary>
    public IReadOnlyList<string>? CountMismatches { get; init; }

    /// <summary>Asserted objects a closed-vocabulary detector cannot judge.</summary>
    public IReadOnlyList<string>? Unverified { get; init; }

    /// <summary>The automatic evidence of <paramref name="signal"/>; null when it holds none (no signal, or another stream's).</summary>
    /// <exception cref="JsonException">One of the names holds a value of another type.</exception>
    public static AutomaticEvidence? From(SentenceSignal? signal) => EvidenceView<AutomaticEvidence>.Read(signal);

    /// <summary>Writes the set properties into <paramref name="evidence"/> under their journal names.</summary>
    public void WriteTo(IDictionary<string, JsonElement> evidence) => EvidenceView<AutomaticEvidence>.Write(this, evidence);

    /// <summary>The set properties as a new evidence dictionary, for <see cref="SentenceSignal.Evidence"/>.</summary>
    public Dictionary<string, JsonElement> ToEvidence() => EvidenceView<AutomaticEvidence>.ToEvidence(this);
}
