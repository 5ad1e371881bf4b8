namespace ViGoR;

/// <summary>The fine-grained error categories of the ViGoR human annotations (Yan et al., Sec. 3.1).</summary>
public enum SentenceErrorKind
{
    /// <summary>The sentence is correct.</summary>
    None,

    /// <summary>Names an object that is not in the image.</summary>
    ObjectHallucination,

    /// <summary>Wrong attribute (colour, size, material, count...).</summary>
    Attribute,

    /// <summary>Wrong relationship between objects.</summary>
    Relationship,

    /// <summary>Wrong location of an object.</summary>
    Location,

    /// <summary>A conjecture the image does not support.</summary>
    UnreasonableConjecture,
}

/// <summary>The reward model's verdict on one sentence.</summary>
/// <param name="Score">
/// The number the reward model returned. Negative means an error (its magnitude is the penalty);
/// zero or positive means correct (its value is the positive signal: creativity, detail).
/// </param>
/// <param name="Error">The error category when the model reports one, else <see cref="SentenceErrorKind.None"/>.</param>
public sealed record SentenceJudgement(double Score, SentenceErrorKind Error = SentenceErrorKind.None)
{
    /// <summary>max(0, -Score): the negative signal under <see cref="RewardSignal.Expected"/>.</summary>
    public double Penalty => Math.Max(0, -Score);

    /// <summary>max(0, Score): the positive signal under <see cref="RewardSignal.Expected"/>.</summary>
    public double Bonus => Math.Max(0, Score);

    /// <summary>
    /// True when the model's reply could not be read as a number and this judgement is the neutral
    /// stand-in (score 0): recorded as such in the journal and counted in the run summary.
    /// </summary>
    public bool Unreadable { get; init; }

    /// <summary>
    /// The model's probability that the sentence is wrong, in [0, 1], when it reports one (a
    /// reward model scored from its reply-token distribution); null otherwise. Ranks sentences for
    /// held-out metrics such as ROC AUC.
    /// </summary>
    public double? ErrorProbability { get; init; }

    /// <summary>
    /// The score of the most probable label when <see cref="SentenceJudgement.Score"/> is not itself a
    /// label's score: a reward model read from its reply-token distribution reports the expected score
    /// over its labels as <c>Score</c> and the winning label's score here. Null when <c>Score</c> already
    /// is the label's (a decoded reply, a replayed judgement recorded without it). The paper's signal,
    /// <see cref="RewardSignal.Label"/>, uses <c>LabelScore ?? Score</c>.
    /// </summary>
    public double? LabelScore { get; init; }

    /// <summary>A neutral judgement (score 0) for a reply that could not be read as a number.</summary>
    public static SentenceJudgement UnreadableReply() => new(0) { Unreadable = true };
}

/// <summary>What a reward model does with a reply it cannot read as a number.</summary>
public enum UnreadableReplyPolicy
{
    /// <summary>Record a neutral judgement marked unreadable and go on (default): one odd reply never stops a run.</summary>
    Neutral,

    /// <summary>Throw, naming the image, sentence and reply.</summary>
    Error,
}
