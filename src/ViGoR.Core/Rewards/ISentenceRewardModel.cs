namespace ViGoR;

/// <summary>
/// The LVLM reward model of ViGoR: judges each sentence of a description given the image and
/// all the text before it ("Assess the accuracy of the last sentence in the following
/// description of this image, and return a single number.").
/// </summary>
/// <remarks>Implementations must be safe for concurrent callers or document otherwise.</remarks>
public interface ISentenceRewardModel
{
    /// <summary>
    /// Judges every sentence of <paramref name="description"/>; returns exactly one judgement per
    /// sentence, in sentence order.
    /// </summary>
    /// <param name="image">The image described.</param>
    /// <param name="prompt">The instruction the description answers.</param>
    /// <param name="description">The description split into sentences.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    Task<IReadOnlyList<SentenceJudgement>> JudgeAsync(
        ImageInput image,
        string prompt,
        ParsedText description,
        CancellationToken cancellationToken = default);
}

/// <summary>
/// A reward model that judges the k samples of one image in one call — fewer, larger forwards than k
/// calls of <see cref="ISentenceRewardModel.JudgeAsync"/>, with the same judgements. The reward-model
/// stream uses it when the model offers it.
/// </summary>
/// <remarks>Implementations must be safe for concurrent callers or document otherwise.</remarks>
public interface IBatchSentenceRewardModel : ISentenceRewardModel
{
    /// <summary>
    /// Judges every sentence of every description; result i holds exactly one judgement per sentence
    /// of <paramref name="descriptions"/>[i], in sentence order (empty for a description without
    /// sentences). Equal to calling <see cref="ISentenceRewardModel.JudgeAsync"/> per description, up
    /// to floating point.
    /// </summary>
    /// <param name="image">The image all descriptions describe.</param>
    /// <param name="prompt">The instruction they answer.</param>
    /// <param name="descriptions">The descriptions, each split into sentences.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    Task<IReadOnlyList<IReadOnlyList<SentenceJudgement>>> JudgeBatchAsync(
        ImageInput image,
        string prompt,
        IReadOnlyList<ParsedText> descriptions,
        CancellationToken cancellationToken = default);
}

/// <summary>
/// A holistic reward model (the paper's ablation, Yan et al., Sec. 4.6): one judgement for a
/// whole description, trained on descriptions labelled wrong when any of their sentences is.
/// </summary>
/// <remarks>Implementations must be safe for concurrent callers or document otherwise.</remarks>
public interface IDescriptionRewardModel
{
    /// <summary>Judges <paramref name="description"/> as a whole.</summary>
    /// <param name="image">The image described.</param>
    /// <param name="prompt">The instruction the description answers.</param>
    /// <param name="description">The description split into sentences.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    Task<SentenceJudgement> JudgeDescriptionAsync(
        ImageInput image,
        string prompt,
        ParsedText description,
        CancellationToken cancellationToken = default);
}
