using System.Globalization;

namespace ViGoR;

/// <summary>Miss and false-alarm rates of a <see cref="NoisyGroundingDetector"/>.</summary>
public sealed class NoisyDetectorOptions
{
    /// <summary>Chance that a detection is dropped, in [0, 1] (default 0).</summary>
    public double MissRate { get; set; }

    /// <summary>Chance, in [0, 1], that a phrase asked for and not detected is reported anyway (default 0).</summary>
    public double FalseAlarmRate { get; set; }

    /// <summary>Seeds the draws: the same seed, image id, phrase and box always give the same answer (default 0).</summary>
    public int Seed { get; set; }

    internal void Validate()
    {
        if (MissRate is < 0 or > 1 || double.IsNaN(MissRate))
        {
            throw new ArgumentOutOfRangeException(nameof(MissRate), MissRate, "MissRate must be in [0, 1].");
        }

        if (FalseAlarmRate is < 0 or > 1 || double.IsNaN(FalseAlarmRate))
        {
            throw new ArgumentOutOfRangeException(nameof(FalseAlarmRate), FalseAlarmRate, "FalseAlarmRate must be in [0, 1].");
        }
    }
}

/// <summary>
/// Makes any detector a worse one, reproducibly: each detection is missed with
/// <see cref="NoisyDetectorOptions.MissRate"/>, and each phrase asked for that the detector did not
/// find is reported with <see cref="NoisyDetectorOptions.FalseAlarmRate"/>. For measuring how a
/// method degrades with its detector (the demo's detector is ground truth with 10% misses and 5%
/// false alarms). Draws depend only on the seed, the image id, the phrase and the box, never on
/// call order, batching or other images.
/// </summary>
/// <remarks>
/// A false alarm is a box a quarter of the image's size placed by the same draws, with score 0.5
/// (of the unit square for an image without pixels, <see cref="ImageInput.FromId"/>). Its journal
/// identity is the inner detector's plus the noise settings, since it changes the answers.
/// Thread safety is the inner detector's.
/// </remarks>
public sealed class NoisyGroundingDetector : DelegatingGroundingDetector, IComponentIdentity
{
    private readonly NoisyDetectorOptions _options;

    /// <summary>Adds noise to <paramref name="innerDetector"/>'s answers.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A rate outside [0, 1].</exception>
    public NoisyGroundingDetector(IGroundingDetector innerDetector, NoisyDetectorOptions options)
        : base(innerDetector)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = new NoisyDetectorOptions { MissRate = options.MissRate, FalseAlarmRate = options.FalseAlarmRate, Seed = options.Seed };
        Identity = string.Create(CultureInfo.InvariantCulture, $"{ComponentIdentity.Of(innerDetector)}+noise(miss={_options.MissRate},false_alarm={_options.FalseAlarmRate},seed={_options.Seed})");
    }

    /// <inheritdoc />
    public string Identity { get; }

    /// <inheritdoc />
    public override async Task<IReadOnlyList<Detection>> DetectAsync(ImageInput image, IReadOnlyList<string> phrases, GroundingOptions? options = null, CancellationToken cancellationToken = default) =>
        AddNoise(image, phrases, await base.DetectAsync(image, phrases, options, cancellationToken).ConfigureAwait(false));

    /// <inheritdoc />
    public override async Task<IReadOnlyList<IReadOnlyList<Detection>>> DetectBatchAsync(IReadOnlyList<GroundingQuery> queries, GroundingOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(queries);
        var clean = await base.DetectBatchAsync(queries, options, cancellationToken).ConfigureAwait(false);

        // Without an inner batch the base asked DetectAsync image by image, which added the noise already.
        return InnerDetector.GetService<IBatchGroundingDetector>() is null
            ? clean
            : queries.Select((q, i) => AddNoise(q.Image, q.Phrases, clean[i])).ToList();
    }

    private List<Detection> AddNoise(ImageInput image, IReadOnlyList<string> phrases, IReadOnlyList<Detection> detections)
    {
        var kept = detections.Where(d => _options.MissRate <= 0 || Draw(image, "miss", d.Query ?? d.Label, d.Box) >= _options.MissRate).ToList();
        if (_options.FalseAlarmRate <= 0)
        {
            return kept;
        }

        // A phrase the detector found (missed now or not) is there: reporting it is no false alarm.
        var found = detections.SelectMany(d => d.Queries).ToHashSet(StringComparer.Ordinal);
        var (width, height) = image.HasPixels ? Size(image) : (1f, 1f);
        foreach (var phrase in phrases.Distinct(StringComparer.Ordinal))
        {
            if (!found.Contains(phrase) && Draw(image, "false_alarm", phrase, default) < _options.FalseAlarmRate)
            {
                float x = (float)(Draw(image, "x", phrase, default) * 0.75 * width), y = (float)(Draw(image, "y", phrase, default) * 0.75 * height);
                kept.Add(new Detection(phrase, phrase, 0.5f, new BoundingBox(x, y, x + (width / 4), y + (height / 4))));
            }
        }

        return kept;
    }

    private static (float Width, float Height) Size(ImageInput image)
    {
        var pixels = image.Decode();
        return (pixels.Width, pixels.Height);
    }

    private double Draw(ImageInput image, string what, string phrase, BoundingBox box) =>
        StableDraw.Uniform(string.Create(CultureInfo.InvariantCulture, $"{_options.Seed}\u001f{image.Id}\u001f{what}\u001f{phrase}\u001f{box.X1:R},{box.Y1:R},{box.X2:R},{box.Y2:R}"));
}
