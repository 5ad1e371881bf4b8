namespace ViGoR;

/// <summary>
/// An LVLM that passes every call to an inner one: derive from it to add recording, logging or
/// metrics around any <see cref="IVisionLanguageModel"/>. It batches
/// (<see cref="IBatchVisionLanguageModel"/>) when the inner model does; fine-tuning
/// (<see cref="IFineTunableVisionLanguageModel"/>) is the inner model's, found through
/// <see cref="GetService"/>. The journal identity stays the inner model's unless the derived class
/// implements <see cref="IComponentIdentity"/> itself.
/// </summary>
/// <remarks>Thread safety is the inner model's plus whatever the derived class adds.</remarks>
public class DelegatingVisionLanguageModel : IBatchVisionLanguageModel
{
    /// <summary>Wraps <paramref name="innerModel"/>.</summary>
    protected DelegatingVisionLanguageModel(IVisionLanguageModel innerModel) =>
        InnerModel = innerModel ?? throw new ArgumentNullException(nameof(innerModel));

    /// <summary>The model every call goes to.</summary>
    protected IVisionLanguageModel InnerModel { get; }

    /// <inheritdoc />
    public virtual Task<IReadOnlyList<string>> SampleAsync(ImageInput image, string prompt, SamplingOptions? options = null, CancellationToken cancellationToken = default) =>
        InnerModel.SampleAsync(image, prompt, options, cancellationToken);

    /// <summary>
    /// The inner model's batch when it has one; otherwise this wrapper's <see cref="SampleAsync"/> per
    /// request with the request's seed, in order.
    /// </summary>
    public virtual async Task<IReadOnlyList<IReadOnlyList<string>>> SampleBatchAsync(IReadOnlyList<SampleRequest> requests, SamplingOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(requests);
        return InnerModel.GetService<IBatchVisionLanguageModel>() is { } batch
            ? await batch.SampleBatchAsync(requests, options, cancellationToken).ConfigureAwait(false)
            : await Delegation.OneByOneAsync(requests, r => SampleAsync(r.Image, r.Prompt, Seeded(options, r.Seed), cancellationToken)).ConfigureAwait(false);
    }

    /// <summary>A copy of <paramref name="options"/> (or the defaults) with <paramref name="seed"/>: how a batch request's seed reaches a one-image call.</summary>
    internal static SamplingOptions Seeded(SamplingOptions? options, int seed)
    {
        var seeded = options?.Clone() ?? new SamplingOptions();
        seeded.Seed = seed;
        return seeded;
    }

    /// <inheritdoc />
    public virtual object? GetService(Type serviceType, object? serviceKey = null) =>
        Delegation.GetService(this, InnerModel, serviceType, serviceKey, typeof(IBatchVisionLanguageModel));
}
