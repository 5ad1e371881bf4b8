namespace ViGoR;

/// <summary>
/// A detector that passes every call to an inner one: derive from it to add caching, noise,
/// logging or metrics around any <see cref="IGroundingDetector"/> (Microsoft.Extensions.AI's
/// <c>DelegatingChatClient</c> pattern). It batches when the inner detector does
/// (<see cref="GetService"/> answers <see cref="IBatchGroundingDetector"/> with this wrapper only
/// then) and keeps the inner detector's journal identity unless the derived class implements
/// <see cref="IComponentIdentity"/> itself, as one that changes detections must.
/// </summary>
/// <remarks>Thread safety is the inner detector's plus whatever the derived class adds.</remarks>
public class DelegatingGroundingDetector : IBatchGroundingDetector
{
    /// <summary>Wraps <paramref name="innerDetector"/>.</summary>
    protected DelegatingGroundingDetector(IGroundingDetector innerDetector) =>
        InnerDetector = innerDetector ?? throw new ArgumentNullException(nameof(innerDetector));

    /// <summary>The detector every call goes to.</summary>
    protected IGroundingDetector InnerDetector { get; }

    /// <inheritdoc />
    public virtual Task<IReadOnlyList<Detection>> DetectAsync(ImageInput image, IReadOnlyList<string> phrases, GroundingOptions? options = null, CancellationToken cancellationToken = default) =>
        InnerDetector.DetectAsync(image, phrases, options, cancellationToken);

    /// <summary>
    /// The inner detector's batch when it has one; otherwise this wrapper's <see cref="DetectAsync"/>
    /// per query, in order (so a derived class's per-image behaviour applies).
    /// </summary>
    public virtual async Task<IReadOnlyList<IReadOnlyList<Detection>>> DetectBatchAsync(IReadOnlyList<GroundingQuery> queries, GroundingOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(queries);
        return InnerDetector.GetService<IBatchGroundingDetector>() is { } batch
            ? await batch.DetectBatchAsync(queries, options, cancellationToken).ConfigureAwait(false)
            : await Delegation.OneByOneAsync(queries, q => DetectAsync(q.Image, q.Phrases, options, cancellationToken)).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public virtual object? GetService(Type serviceType, object? serviceKey = null) =>
        Delegation.GetService(this, InnerDetector, serviceType, serviceKey, typeof(IBatchGroundingDetector));
}
