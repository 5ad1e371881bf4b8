using System.Text.Json.Serialization;

namespace ViGoR;

/// <summary>Outcome of one image.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<SupervisionStatus>))]
public enum SupervisionStatus
{
    /// <summary>Scored, not yet selected: the records of a scores journal (<c>scores.jsonl</c>).</summary>
    [JsonStringEnumMemberName("scored")]
    Scored,

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

    /// <summary>
    /// The statistics this image was ranked with, when they are its own (a running window); null
    /// when they are the data set's, which the journal's header holds.
    /// </summary>
    public RewardStatistics? Statistics { get; init; }
}

/// <summary>One stream's totals for one sample.</summary>
/// <param name="Penalty">The sample's negative signal in the stream's units.</param>
/// <param name="Bonus">The sample's positive signal in the stream's units.</param>
public sealed record StreamTotals(double Penalty, double Bonus);

/// <summary>One sample in the journal.</summary>
public sealed record SampleRecord
{
    /// <summary>Sample index (0..k-1).</summary>
    public int Index { get; init; }

    /// <summary>The sampled text, verbatim.</summary>
    public required string Text { get; init; }

    /// <summary>Each applicable stream's totals, by stream name; empty for an empty sample, which takes no part in selection.</summary>
    public IReadOnlyDictionary<string, StreamTotals> Streams { get; init; } = new Dictionary<string, StreamTotals>();

    /// <summary>
    /// Combined, normalised penalty (lower is better) of what selection ranked: the whole sample, or
    /// what refinement keeps of it (<see cref="SelectionOrder.RefineThenSelect"/>); null until selected,
    /// and for samples not ranked.
    /// </summary>
    public double? CombinedPenalty { get; init; }

    /// <summary>Combined positive signal (breaks ties) of what selection ranked; null until selected, and for samples not ranked.</summary>
    public double? CombinedBonus { get; init; }

    /// <summary>
    /// Rank among the image's candidate samples (0 = chosen); null until selected, for empty samples,
    /// and, refining first, for samples of which refinement keeps nothing.
    /// </summary>
    public int? Rank { get; init; }

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

    /// <summary>Each stream's signal, by stream name; a stream with nothing to say about the sentence is absent.</summary>
    public IReadOnlyDictionary<string, SentenceSignal> Signals { get; init; } = new Dictionary<string, SentenceSignal>();
}
