namespace ViGoR;

/// <summary>
/// An open-set detector: finds the given phrases in an image. The automatic reward asks it, once
/// per image, about the union of the nouns of all k samples.
/// </summary>
/// <remarks>Implementations must be safe for concurrent callers.</remarks>
public interface IGroundingDetector : IPipelineComponent
{
    /// <summary>
    /// Detects <paramref name="phrases"/> in <paramref name="image"/>. Returns every detection that
    /// passes the thresholds. A detection supports each phrase in its <see cref="Detection.Queries"/>
    /// (the caller's spelling, most probable first: <see cref="Detection.Query"/>), so one box can
    /// show several phrases ("man" and "person").
    /// A phrase is found when any detection lists it in <see cref="Detection.Queries"/>.
    /// An implementation with an input limit (Grounding DINO: 256 tokens) splits the phrase list
    /// itself and concatenates the results, so callers may pass any number of phrases; one object
    /// may then come back once per part, each time supporting phrases of that part only.
    /// </summary>
    Task<IReadOnlyList<Detection>> DetectAsync(
        ImageInput image,
        IReadOnlyList<string> phrases,
        GroundingOptions? options = null,
        CancellationToken cancellationToken = default);
}

/// <summary>One image and the phrases to look for in it: a row of <see cref="IBatchGroundingDetector.DetectBatchAsync"/>.</summary>
/// <param name="Image">The image.</param>
/// <param name="Phrases">What to find in it (any number; the detector splits long lists as <see cref="IGroundingDetector.DetectAsync"/> does).</param>
public sealed record GroundingQuery(ImageInput Image, IReadOnlyList<string> Phrases);

/// <summary>
/// A detector that answers several images, each with its own phrases, in fewer model calls than one
/// per image (Grounding DINO: one batched forward with a text row per image). The automatic reward
/// stream uses it when <see cref="RejectionSamplingOptions.ImageBatchSize"/> is above 1.
/// </summary>
/// <remarks>Implementations must be safe for concurrent callers.</remarks>
public interface IBatchGroundingDetector : IGroundingDetector
{
    /// <summary>
    /// Detects each query's phrases in its image. Result i is what
    /// <see cref="IGroundingDetector.DetectAsync"/> of <paramref name="queries"/>[i] alone gives, up to
    /// the rounding of batched kernels (and whatever an implementation documents, such as padding
    /// images to a common size), whatever else is in the batch.
    /// </summary>
    /// <returns>One list per query, in the order given (empty for a query without phrases).</returns>
    /// <exception cref="ImageDecodeException">An image cannot be decoded: the whole call fails, and a caller that must know which image it was asks image by image.</exception>
    Task<IReadOnlyList<IReadOnlyList<Detection>>> DetectBatchAsync(
        IReadOnlyList<GroundingQuery> queries,
        GroundingOptions? options = null,
        CancellationToken cancellationToken = default);
}
