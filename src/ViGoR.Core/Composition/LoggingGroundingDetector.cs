using System.Diagnostics;
using Microsoft.Extensions.Logging;

namespace ViGoR;

/// <summary>
/// Logs each call of a detector at <see cref="LogLevel.Debug"/>: the image, how many phrases were
/// asked, how many detections came back and how long it took; a failed call at
/// <see cref="LogLevel.Warning"/> before the exception goes on. Changes no answer, so the journal
/// identity stays the inner detector's.
/// </summary>
/// <remarks>Thread safety is the inner detector's (loggers are thread-safe).</remarks>
public sealed partial class LoggingGroundingDetector : DelegatingGroundingDetector
{
    private readonly ILogger _logger;

    /// <summary>Logs the calls of <paramref name="innerDetector"/> to <paramref name="logger"/>.</summary>
    public LoggingGroundingDetector(IGroundingDetector innerDetector, ILogger logger)
        : base(innerDetector) =>
        _logger = logger ?? throw new ArgumentNullException(nameof(logger));

    /// <inheritdoc />
    public override async Task<IReadOnlyList<Detection>> DetectAsync(ImageInput image, IReadOnlyList<string> phrases, GroundingOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(phrases);
        var started = Stopwatch.GetTimestamp();
        try
        {
            var found = await base.DetectAsync(image, phrases, options, cancellationToken).ConfigureAwait(false);
            LogDetected(image.Id, phrases.Count, found.Count, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            return found;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogFailed(e, image.Id);
            throw;
        }
    }

    /// <inheritdoc />
    public override async Task<IReadOnlyList<IReadOnlyList<Detection>>> DetectBatchAsync(IReadOnlyList<GroundingQuery> queries, GroundingOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(queries);
        if (InnerDetector.GetService<IBatchGroundingDetector>() is null)
        {
            return await base.DetectBatchAsync(queries, options, cancellationToken).ConfigureAwait(false); // image by image, each logged by DetectAsync
        }

        var started = Stopwatch.GetTimestamp();
        try
        {
            var found = await base.DetectBatchAsync(queries, options, cancellationToken).ConfigureAwait(false);
            LogBatch(queries.Count, found.Sum(f => f.Count), Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            return found;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogFailed(e, string.Join(", ", queries.Select(q => q.Image.Id)));
            throw;
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Detector: image {Image}, {Phrases} phrase(s), {Detections} detection(s) in {Milliseconds:F0} ms")]
    private partial void LogDetected(string image, int phrases, int detections, double milliseconds);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Detector: a batch of {Images} image(s), {Detections} detection(s) in {Milliseconds:F0} ms")]
    private partial void LogBatch(int images, int detections, double milliseconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Detector: the call for {Images} failed")]
    private partial void LogFailed(Exception exception, string images);
}
