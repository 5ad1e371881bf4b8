using System.Globalization;

namespace ViGoR;

/// <summary>
/// Remembers a detector's answers, so that online rounds and re-runs in one process do not run the
/// detector again on an image for the same phrases. A question is the same when its image
/// (<see cref="ImageInput.Id"/>), its phrases in order and the thresholds are: callers must give
/// different images different ids. Calls whose <see cref="GroundingOptions.AdditionalProperties"/>
/// are not empty go to the detector uncached, since those settings cannot be compared.
/// </summary>
/// <remarks>
/// Safe for concurrent callers when the inner detector is. Memory grows with the distinct questions
/// asked; create a new instance to forget. The journal identity is the inner detector's.
/// </remarks>
public sealed class CachingGroundingDetector : DelegatingGroundingDetector
{
    private readonly AnswerCache<IReadOnlyList<Detection>> _answers = new();

    /// <summary>Caches the answers of <paramref name="innerDetector"/>.</summary>
    public CachingGroundingDetector(IGroundingDetector innerDetector)
        : base(innerDetector)
    {
    }

    /// <summary>How many questions were answered from the cache.</summary>
    public long Hits => _answers.Hits;

    /// <inheritdoc />
    public override Task<IReadOnlyList<Detection>> DetectAsync(ImageInput image, IReadOnlyList<string> phrases, GroundingOptions? options = null, CancellationToken cancellationToken = default) =>
        _answers.GetAsync(Key(image, phrases, options), () => base.DetectAsync(image, phrases, options, cancellationToken));

    /// <inheritdoc />
    public override Task<IReadOnlyList<IReadOnlyList<Detection>>> DetectBatchAsync(IReadOnlyList<GroundingQuery> queries, GroundingOptions? options = null, CancellationToken cancellationToken = default) =>
        _answers.GetBatchAsync(queries, q => Key(q.Image, q.Phrases, options), missing => base.DetectBatchAsync(missing, options, cancellationToken));

    private static string? Key(ImageInput image, IReadOnlyList<string> phrases, GroundingOptions? options)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(phrases);
        options ??= new GroundingOptions();
        if (options.AdditionalProperties.Count > 0)
        {
            return null;
        }

        // Phrases in order: a detector with an input limit splits the list, and the split shapes its answer.
        return string.Create(CultureInfo.InvariantCulture, $"{image.Id}\u001f{options.BoxThreshold:R}\u001f{options.TextThreshold:R}\u001f{string.Join('\u001e', phrases)}");
    }
}
