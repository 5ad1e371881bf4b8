namespace ViGoR;

/// <summary>
/// A reward model that passes every call to an inner one: derive from it to add caching, logging
/// or metrics around any <see cref="ISentenceRewardModel"/>. It batches
/// (<see cref="IBatchSentenceRewardModel"/>) and judges whole descriptions
/// (<see cref="IDescriptionRewardModel"/>) when the inner model does: <see cref="GetService"/>
/// answers those with this wrapper only then. The journal identity stays the inner model's unless
/// the derived class implements <see cref="IComponentIdentity"/> itself.
/// </summary>
/// <remarks>Thread safety is the inner model's plus whatever the derived class adds.</remarks>
public class DelegatingSentenceRewardModel : IBatchSentenceRewardModel, IDescriptionRewardModel
{
    /// <summary>Wraps <paramref name="innerModel"/>.</summary>
    protected DelegatingSentenceRewardModel(ISentenceRewardModel innerModel) =>
        InnerModel = innerModel ?? throw new ArgumentNullException(nameof(innerModel));

    /// <summary>The model every call goes to.</summary>
    protected ISentenceRewardModel InnerModel { get; }

    /// <inheritdoc />
    public virtual Task<IReadOnlyList<SentenceJudgement>> JudgeAsync(ImageInput image, string prompt, ParsedText description, CancellationToken cancellationToken = default) =>
        InnerModel.JudgeAsync(image, prompt, description, cancellationToken);

    /// <summary>
    /// The inner model's batch when it has one; otherwise this wrapper's <see cref="JudgeAsync"/> per
    /// request, in order (so a derived class's per-description behaviour applies).
    /// </summary>
    public virtual async Task<IReadOnlyList<IReadOnlyList<SentenceJudgement>>> JudgeBatchAsync(IReadOnlyList<SentenceRewardRequest> requests, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(requests);
        return InnerModel.GetService<IBatchSentenceRewardModel>() is { } batch
            ? await batch.JudgeBatchAsync(requests, cancellationToken).ConfigureAwait(false)
            : await Delegation.OneByOneAsync(requests, r => JudgeAsync(r.Image, r.Prompt, r.Description, cancellationToken)).ConfigureAwait(false);
    }

    /// <inheritdoc />
    /// <exception cref="NotSupportedException">The inner model does not judge whole descriptions (ask <see cref="GetService"/> first).</exception>
    public virtual Task<SentenceJudgement> JudgeDescriptionAsync(ImageInput image, string prompt, ParsedText description, CancellationToken cancellationToken = default) =>
        (InnerModel.GetService<IDescriptionRewardModel>()
            ?? throw new NotSupportedException($"{ComponentIdentity.Of(InnerModel)} judges sentences, not whole descriptions."))
        .JudgeDescriptionAsync(image, prompt, description, cancellationToken);

    /// <inheritdoc />
    public virtual object? GetService(Type serviceType, object? serviceKey = null) =>
        Delegation.GetService(this, InnerModel, serviceType, serviceKey, typeof(IBatchSentenceRewardModel), typeof(IDescriptionRewardModel));
}
