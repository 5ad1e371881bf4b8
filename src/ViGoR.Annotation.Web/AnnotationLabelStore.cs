using Microsoft.Extensions.Logging;

namespace ViGoR.Annotation.Web;

/// <summary>
/// One annotator's output file: the latest label of each description, and a durable append of
/// each new one. A label is flushed to disk before <see cref="SaveAsync"/> returns, so whatever the
/// page was told is saved survives a crash. Thread-safe.
/// </summary>
public sealed class AnnotationLabelStore : IDisposable
{
    private readonly FileStream _stream;
    private readonly Dictionary<string, AnnotatedDescription> _latest;
    private readonly SemaphoreSlim _gate = new(1, 1);

    private AnnotationLabelStore(string path, FileStream stream, Dictionary<string, AnnotatedDescription> latest)
    {
        Path = path;
        _stream = stream;
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
        var folder = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(folder))
        {
            Directory.CreateDirectory(folder);
        }

        var stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read);
        try
        {
            CutTornLine(stream, path, logger);
            var latest = stream.Length == 0
                ? []
                : Annotations.Read(path, imagesDirectory).Descriptions.ToDictionary(d => d.Id, StringComparer.Ordinal);
            stream.Seek(0, SeekOrigin.End);
            return new AnnotationLabelStore(path, stream, latest);
        }
        catch
        {
            stream.Dispose();
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
            await _stream.WriteAsync(Annotations.ToJsonLine(revised), CancellationToken.None).ConfigureAwait(false);

            // Flush(true) is fsync: the line is on the disk, not in the page cache, before anyone hears "saved".
            _stream.Flush(flushToDisk: true);
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
        _stream.Dispose();
        _gate.Dispose();
    }

    private static void CutTornLine(FileStream stream, string path, ILogger logger)
    {
        if (stream.Length == 0)
        {
            return;
        }

        var buffer = new byte[1];
        var end = stream.Length;
        while (end > 0)
        {
            stream.Seek(end - 1, SeekOrigin.Begin);
            stream.ReadExactly(buffer);
            if (buffer[0] == (byte)'\n')
            {
                break;
            }

            end--;
        }

        if (end < stream.Length)
        {
            logger.LogWarning("{Path}: cut a torn last line of {Bytes} bytes (written when the tool stopped; it was never reported as saved).", path, stream.Length - end);
            stream.SetLength(end);
            stream.Flush(flushToDisk: true);
        }
    }
}
