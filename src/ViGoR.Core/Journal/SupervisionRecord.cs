using System.Text.Json.Serialization;

namespace ViGoR;

/// <summary>Outcome of one image.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<SupervisionStatus>))]
public enum SupervisionStatus
{
    /// <summary>A sample was chosen and refined into a non-empty target.</summary>
    [JsonStringEnumMemberName("ok")]
    Ok,

    /// <summary>A sample was chosen but refinement dropped every sentence: no training example.</summary>
    [JsonStringEnumMemberName("no_target")]
    NoTarget,

    /// <summary>The image could not be processed (bad image, empty model output, model error); see <see cref="SupervisionRecord.Error"/>.</summary>
    [JsonStringEnumMemberName("failed")]
    Failed,
}

/// <summary>
/// One line of the supervision journal: everything decided about one image, so that a run can be
/// audited, resumed and fine-tuned from without recomputation.
/// </summary>
public sealed record SupervisionRecord
{
    /// <summary>The image id (unique within a data set).</summary>
    public required string ImageId { get; init; }

    /// <summary>The image file, when the image came from one.</summary>
    public string? Image { get; init; }

    /// <summary>The instruction the samples answer.</summary>
    public required string Prompt { get; init; }

    /// <summary>0 offline; the round number online.</summary>
    public int Round { get; init; }

    /// <summary>The outcome.</summary>
    public required SupervisionStatus Status { get; init; }

    /// <summary>Why the image failed or has no target.</summary>
    public string? Error { get; init; }

    /// <summary>All k samples with every signal.</summary>
    public IReadOnlyList<SampleRecord> Samples { get; init; } = [];

    /// <summary>The selected sample index, or null when the image failed.</summary>
    public int? Chosen { get; init; }

    /// <summary>The refined text to fine-tune on; null unless <see cref="Status"/> is ok.</summary>
    public string? Target { get; init; }

    /// <summary>Sentences of the chosen sample that refinement dropped, and why.</summary>
    public IReadOnlyList<DroppedSentence> Dropped { get; init; } = [];

    /// <summary>The per-stream variances the combiner used for this image.</summary>
    public double[]? Variances { get; init; }
}

/// <summary>One sample in the journal.</summary>
public sealed record SampleRecord
{
    /// <summary>Sample index (0..k-1).</summary>
    public int Index { get; init; }

    /// <summary>The sampled text, verbatim.</summary>
    public required string Text { get; init; }

    /// <summary>Sum of the automatic stream's penalties.</summary>
    public double AutomaticPenalty { get; init; }

    /// <summary>Sum of the automatic stream's positive signals.</summary>
    public double AutomaticBonus { get; init; }

    /// <summary>Reward-model penalty (sum, or the worst sentence's when holistic).</summary>
    public double RewardModelPenalty { get; init; }

    /// <summary>Reward-model positive signal.</summary>
    public double RewardModelBonus { get; init; }

    /// <summary>Combined, variance-scaled penalty (lower is better).</summary>
    public double CombinedPenalty { get; init; }

    /// <summary>Combined positive signal (breaks ties).</summary>
    public double CombinedBonus { get; init; }

    /// <summary>Rank among the k samples (0 = chosen).</summary>
    public int Rank { get; init; }

    /// <summary>Per-sentence signals.</summary>
    public IReadOnlyList<SentenceRecord> Sentences { get; init; } = [];
}

/// <summary>One sentence's signals in the journal.</summary>
public sealed record SentenceRecord
{
    /// <summary>Offset of the first character in the sample text.</summary>
    public int Start { get; init; }

    /// <summary>Offset one past the last character.</summary>
    public int End { get; init; }

    /// <summary>The sentence text.</summary>
    public required string Text { get; init; }

    /// <summary>The noun mentions the extractor found.</summary>
    public IReadOnlyList<NounMention> Nouns { get; init; } = [];

    /// <summary>Objects the detector found (null when the automatic stream did not run).</summary>
    public IReadOnlyList<string>? Found { get; init; }

    /// <summary>Asserted objects the detector did not find.</summary>
    public IReadOnlyList<string>? Missing { get; init; }

    /// <summary>Objects whose stated count disagreed with the detections.</summary>
    public IReadOnlyList<string>? CountMismatches { get; init; }

    /// <summary>Objects the detector could not judge (outside a closed vocabulary).</summary>
    public IReadOnlyList<string>? Unverified { get; init; }

    /// <summary>The reward model's score (null when it did not run).</summary>
    public double? RewardScore { get; init; }

    /// <summary>The reward model's error category.</summary>
    public SentenceErrorKind? RewardError { get; init; }
}
