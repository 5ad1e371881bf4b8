namespace ViGoR;

/// <summary>
/// The LVLM reward model of ViGoR: judges each sentence of a description given the image and
/// all the text before it ("Assess the accuracy of the last sentence in the following
/// description of this image, and return a single number.").
/// </summary>
/// <remarks>Implementations must be safe for concurrent callers or document otherwise.</remarks>
public interface ISentenceRewardModel : IPipelineComponent
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

/// <summary>One description to judge: a row of <see cref="IBatchSentenceRewardModel.JudgeBatchAsync"/>.</summary>
/// <param name="Image">The image described.</param>
/// <param name="Prompt">The instruction the description answers.</param>
/// <param name="Description">The description split into sentences.</param>
public sealed record SentenceRewardRequest(ImageInput Image, string Prompt, ParsedText Description);

/// <summary>
/// A reward model that judges many descriptions in one call: the k samples of one image, or of several
/// images, with fewer, larger forwards than one <see cref="ISentenceRewardModel.JudgeAsync"/> call per
/// description and the same judgements. The reward-model stream uses it when the model offers it.
/// </summary>
/// <remarks>Implementations must be safe for concurrent callers or document otherwise.</remarks>
public interface IBatchSentenceRewardModel : ISentenceRewardModel
{
    /// <summary>
    /// Judges every sentence of every request's description; result i holds exactly one judgement per
    /// sentence of <paramref name="requests"/>[i], in sentence order (empty for a description without
    /// sentences). Equal to calling <see cref="ISentenceRewardModel.JudgeAsync"/> per request, up to
    /// floating point, whatever else is in the batch. Requests about the same <see cref="ImageInput"/>
    /// may share work (the image is encoded once).
    /// </summary>
    /// <param name="requests">The descriptions, in any order; several may describe one image.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    Task<IReadOnlyList<IReadOnlyList<SentenceJudgement>>> JudgeBatchAsync(
        IReadOnlyList<SentenceRewardRequest> requests,
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
