namespace ViGoR;

/// <summary>
/// An LVLM asked yes/no questions about an image, answering with the probability of "yes" (for a
/// first-token model: P(yes) / (P(yes) + P(no)) of its first answer token). The VQA self-check
/// stream asks it about every object the samples assert.
/// </summary>
/// <remarks>Implementations must be safe for concurrent callers or document otherwise.</remarks>
public interface IVisualQuestionAnswerer : IPipelineComponent
{
    /// <summary>
    /// Answers every question about <paramref name="image"/>; an implementation should do it in one
    /// batched pass. Returns one probability in [0, 1] per question, in order.
    /// </summary>
    Task<IReadOnlyList<double>> ProbabilityOfYesAsync(ImageInput image, IReadOnlyList<string> questions, CancellationToken cancellationToken = default);
}
