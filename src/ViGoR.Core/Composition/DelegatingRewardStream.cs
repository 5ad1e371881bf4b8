namespace ViGoR;

/// <summary>
/// A reward stream that passes every call to an inner one: derive from it to add caching, logging
/// or metrics around any <see cref="IRewardStream"/>. Its <see cref="Name"/> and
/// <see cref="Settings"/> are the inner stream's (so the journal header does not change); it scores
/// several images in one go (<see cref="IBatchRewardStream"/>) when the inner stream does.
/// </summary>
/// <remarks>Thread safety is the inner stream's plus whatever the derived class adds.</remarks>
public class DelegatingRewardStream : IBatchRewardStream
{
    /// <summary>Wraps <paramref name="innerStream"/>.</summary>
    protected DelegatingRewardStream(IRewardStream innerStream) =>
        InnerStream = innerStream ?? throw new ArgumentNullException(nameof(innerStream));

    /// <summary>The stream every call goes to.</summary>
    protected IRewardStream InnerStream { get; }

    /// <inheritdoc />
    public virtual string Name => InnerStream.Name;

    /// <inheritdoc />
    public virtual IReadOnlyDictionary<string, string> Settings => InnerStream.Settings;

    /// <inheritdoc />
    public virtual Task<IReadOnlyList<StreamScore>> ScoreAsync(RewardStreamInput input, CancellationToken cancellationToken = default) =>
        InnerStream.ScoreAsync(input, cancellationToken);

    /// <summary>
    /// The inner stream's batch when it has one; otherwise this wrapper's <see cref="ScoreAsync"/> per
    /// input, in order.
    /// </summary>
    public virtual async Task<IReadOnlyList<IReadOnlyList<StreamScore>>> ScoreBatchAsync(IReadOnlyList<RewardStreamInput> inputs, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        return InnerStream.GetService<IBatchRewardStream>() is { } batch
            ? await batch.ScoreBatchAsync(inputs, cancellationToken).ConfigureAwait(false)
            : await Delegation.OneByOneAsync(inputs, input => ScoreAsync(input, cancellationToken)).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public virtual object? GetService(Type serviceType, object? serviceKey = null) =>
        Delegation.GetService(this, InnerStream, serviceType, serviceKey, typeof(IBatchRewardStream));
}
