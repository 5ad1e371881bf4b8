namespace ViGoR;

/// <summary>
/// What the recording decorators share: the output file, locked against other processes
/// (<see cref="WorkFolderLock.ForFile"/>) and opened for appending with a header check, and the gate
/// that keeps one caller at a time between reading what is recorded and appending to it.
/// </summary>
internal sealed class Recording : IDisposable
{
    private readonly WorkFolderLock _lock;
    private readonly SemaphoreSlim _gate = new(1, 1);

    private Recording(WorkFolderLock held, JsonLinesAppender appender)
    {
        _lock = held;
        Appender = appender;
    }

    /// <summary>The opened file.</summary>
    public JsonLinesAppender Appender { get; }

    /// <summary>
    /// Locks <paramref name="path"/>, opens it for appending with <paramref name="header"/> (a file with
    /// another header, or with lines and none, is refused before anything changes) and gives its lines
    /// to <paramref name="read"/>; on any failure releases both and rethrows.
    /// </summary>
    public static Recording Open(string path, JournalHeader? header, Action<IReadOnlyList<Evaluation.JsonLine>> read)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var held = WorkFolderLock.ForFile(path);
        JsonLinesAppender? appender = null;
        try
        {
            appender = JsonLinesAppender.Open(path, header, found => Check(path, found, header));
            read(appender.ExistingLines);
            return new Recording(held, appender);
        }
        catch
        {
            appender?.Dispose();
            held.Dispose();
            throw;
        }
    }

    /// <summary>Runs <paramref name="action"/> with no other caller of this recording inside.</summary>
    public async Task<T> ExclusiveAsync<T>(Func<Task<T>> action, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await action().ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Reads <paramref name="read"/> with no caller inside.</summary>
    public T Exclusive<T>(Func<T> read) => ExclusiveAsync(() => Task.FromResult(read()), CancellationToken.None).GetAwaiter().GetResult();

    /// <inheritdoc />
    public void Dispose()
    {
        Appender.Dispose();
        _lock.Dispose();
        _gate.Dispose();
    }

    /// <summary>Refuses a file that another model, other settings, or an unknown writer made; a headerless recording (<paramref name="expected"/> null) accepts only a file without one.</summary>
    private static void Check(string path, JournalHeader? found, JournalHeader? expected)
    {
        if (expected is null || found is null)
        {
            if (found != expected)
            {
                throw new InvalidDataException(found is null
                    ? $"{path} has lines but no header saying which model and inputs they come from (written elsewhere or by an earlier version): it is not added to. Record into another file."
                    : $"{path} is a '{found.VigorJournal}' file, not a recording of this format: it is not added to. Record into another file.");
            }

            return;
        }

        if (found.VigorJournal != expected.VigorJournal)
        {
            throw new InvalidDataException($"{path} is a '{found.VigorJournal}' file, not a '{expected.VigorJournal}' one.");
        }

        if (found.Differences(expected) is { Count: > 0 } differences)
        {
            throw new JournalSettingsException(path, differences);
        }
    }
}
