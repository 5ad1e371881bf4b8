using Microsoft.Extensions.Logging;

namespace ViGoR.Annotation.Web;

/// <summary>
/// One annotator's output file: the latest label of each description, and a durable append of
/// each new one. A label is flushed to disk before <see cref="SaveAsync"/> returns, so whatever the
/// page was told is saved survives a crash. Thread-safe.
/// </summary>
public sealed class AnnotationLabelStore : IDisposable
{
    private readonly JsonLinesAppender _appender;
    private readonly Dictionary<string, AnnotatedDescription> _latest;
    private readonly SemaphoreSlim _gate = new(1, 1);

    private AnnotationLabelStore(string path, JsonLinesAppender appender, Dictionary<string, AnnotatedDescription> latest)
    {
        Path = path;
        _appender = appender;
        _latest = latest;
    }

    /// <summary>The output file.</summary>
    public string Path { get; }

    /// <summary>
    /// Opens (or creates) the output and reads what it holds with <see cref="Annotations.Read"/>, the
    /// validator of <c>vigor annotations validate</c>. A torn last line (the process died while
    /// writing it, so the page was never told it was saved) is cut off with a warning.
    /// </summary>
    /// <exception cref="InvalidDataException">The file has an invalid line; the message names file, line and field.</exception>
    public static AnnotationLabelStore Open(string path, string? imagesDirectory, ILogger logger)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentNullException.ThrowIfNull(logger);
        var appender = JsonLinesAppender.Open(path);
        try
        {
            if (appender.HadTornLine)
            {
                logger.LogWarning("{Path}: cut a torn last line of {Bytes} bytes (written when the tool stopped; it was never reported as saved).", path, appender.DroppedBytes);
            }

            var latest = appender.ExistingLines.Count == 0
                ? []
                : Annotations.Read(path, imagesDirectory).Descriptions.ToDictionary(d => d.Id, StringComparer.Ordinal);
            return new AnnotationLabelStore(path, appender, latest);
        }
        catch
        {
            appender.Dispose();
            throw;
        }
    }

    /// <summary>The latest label of <paramref name="id"/>, or null when it has none.</summary>
    public AnnotatedDescription? Latest(string id)
    {
        lock (_latest)
        {
            return _latest.GetValueOrDefault(id);
        }
    }

    /// <summary>
    /// Appends <paramref name="description"/> as the next revision of its id (0 when it is new) and
    /// flushes it to disk; returns what was written.
    /// </summary>
    public async Task<AnnotatedDescription> SaveAsync(AnnotatedDescription description, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(description);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var revised = description with { Revision = Latest(description.Id) is { } previous ? previous.Revision + 1 : 0 };

            // Flushed to the disk (fsync), not only to the page cache, before anyone hears "saved".
            await _appender.AppendAsync([Annotations.ToJsonLine(revised)], CancellationToken.None).ConfigureAwait(false);
            lock (_latest)
            {
                _latest[revised.Id] = revised;
            }

            return revised;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _appender.Dispose();
        _gate.Dispose();
    }
}
