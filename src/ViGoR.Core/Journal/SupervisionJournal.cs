using System.Text.Json;
using ViGoR.Evaluation;

namespace ViGoR;

/// <summary>
/// A ViGoR journal: JSON Lines, a <see cref="JournalHeader"/> line with the settings, then one
/// <see cref="SupervisionRecord"/> per image, appended and flushed to disk per record. A crash can
/// leave at most one torn (unterminated) last line; opening the journal again drops it and appends
/// after the last complete record.
/// </summary>
/// <remarks>One writer per file. Not thread-safe: append from one task at a time.</remarks>
public sealed class SupervisionJournal : IAsyncDisposable, IDisposable
{
    private readonly JsonLinesAppender _appender;

    private SupervisionJournal(JsonLinesAppender appender)
    {
        _appender = appender;
        ExistingRecords = Records(appender.ExistingLines);
    }

    /// <summary>The journal file.</summary>
    public string Path => _appender.Path;

    /// <summary>The journal's header (null for a headerless journal opened without one).</summary>
    public JournalHeader? Header => _appender.Header;

    /// <summary>The complete records that were already in the file when it was opened.</summary>
    public IReadOnlyList<SupervisionRecord> ExistingRecords { get; }

    /// <summary>True when the file ended in a torn line (from a crash), which was removed on open.</summary>
    public bool HadTornLine => _appender.HadTornLine;

    /// <summary>
    /// Opens <paramref name="path"/> for appending, creating it (and its folder) if needed, reading
    /// the records already there and cutting off a torn last line. With a <paramref name="header"/>,
    /// a new journal starts with it and an existing one must have been written with the same kind
    /// and settings.
    /// </summary>
    /// <exception cref="JournalSettingsException">The journal was written with other settings.</exception>
    /// <exception cref="InvalidDataException">A complete line is not a valid record (the message names the line), or the journal has no header or another kind.</exception>
    public static SupervisionJournal Open(string path, JournalHeader? header = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var appender = JsonLinesAppender.Open(path, header, found =>
        {
            if (header is not null)
            {
                Check(path, found, header);
            }
        });
        try
        {
            return new SupervisionJournal(appender);
        }
        catch
        {
            appender.Dispose();
            throw;
        }
    }

    /// <summary>Reads the complete records of a journal (not its header); a torn last line is ignored.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">A complete line is not a valid record (the message names the line).</exception>
    public static IReadOnlyList<SupervisionRecord> Read(string path) => ReadAll(path).Records;

    /// <summary>Reads a journal's header (null when it has none) and its complete records.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">A complete line is not a valid record (the message names the line).</exception>
    public static (JournalHeader? Header, IReadOnlyList<SupervisionRecord> Records) ReadAll(string path)
    {
        var (header, lines, _) = JsonLinesAppender.Read(path);
        return (header, Records(lines));
    }

    /// <summary>
    /// Writes a whole journal (header, then records) to a temporary file and renames it into place,
    /// so readers see the old file or the new one, never a part.
    /// </summary>
    public static void WriteAll(string path, JournalHeader header, IEnumerable<SupervisionRecord> records)
    {
        ArgumentNullException.ThrowIfNull(header);
        Write(path, header, records);
    }

    private static void Write(string path, JournalHeader? header, IEnumerable<SupervisionRecord> records)
    {
        ArgumentNullException.ThrowIfNull(records);
        AtomicFile.Write(path, output =>
        {
            if (header is not null)
            {
                output.Write(JsonSerializer.SerializeToUtf8Bytes(header, JournalJson.Options));
                output.WriteByte((byte)'\n');
            }

            foreach (var record in records)
            {
                output.Write(JsonSerializer.SerializeToUtf8Bytes(record, JournalJson.Options));
                output.WriteByte((byte)'\n');
            }
        });
    }

    /// <summary>Appends one record and flushes it to disk before returning.</summary>
    public Task AppendAsync(SupervisionRecord record, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(record);
        return _appender.AppendAsync([JsonLinesAppender.Line(record)], cancellationToken);
    }

    /// <summary>
    /// Joins shard journals into <paramref name="outputPath"/> under one header. Chunks of a job array
    /// (headers with <see cref="JournalHeader.Chunk"/>) are put in chunk order whatever their files are
    /// called, and must all have one chunk count and cover every chunk exactly once; journals without
    /// chunk headers are taken in the order given. The merged header has no chunk and none of the
    /// selection chunks record (<see cref="SelectionSettings"/>): the result is the journal of one
    /// whole run. Writes to a temporary file and renames it.
    /// </summary>
    /// <returns>The merged header (null when the shards have none) and records.</returns>
    /// <exception cref="JournalSettingsException">Two shards were written with different settings.</exception>
    /// <exception cref="InvalidDataException">A shard has a torn last line (unfinished), an image id appears twice, chunks are missing, repeated or of different counts, or chunk journals are mixed with others; the message names the files.</exception>
    public static (JournalHeader? Header, IReadOnlyList<SupervisionRecord> Records) Merge(IReadOnlyList<string> shardPaths, string outputPath)
    {
        var (_, header, records) = MergeShards(shardPaths, outputPath);
        return (header, records);
    }

    /// <summary><see cref="Merge"/>, also returning the shards' own header (with its chunk and any selection the chunks recorded).</summary>
    internal static (JournalHeader? ShardHeader, JournalHeader? Header, IReadOnlyList<SupervisionRecord> Records) MergeShards(IReadOnlyList<string> shardPaths, string outputPath)
    {
        ArgumentNullException.ThrowIfNull(shardPaths);
        if (shardPaths.Count == 0)
        {
            throw new ArgumentException("No shard journals to merge.", nameof(shardPaths));
        }

        var shards = new List<(string Path, Contents Contents)>(shardPaths.Count);
        foreach (var shard in shardPaths)
        {
            var (found, lines, torn) = JsonLinesAppender.Read(shard);
            if (torn)
            {
                throw new InvalidDataException($"Shard '{shard}' ends in an unfinished line: its job was interrupted. Resume it before merging.");
            }

            shards.Add((shard, new Contents(found, Records(lines))));
        }

        shards = InChunkOrder(shards);
        var seen = new Dictionary<string, string>(StringComparer.Ordinal);
        var records = new List<SupervisionRecord>();
        var (first, header) = (shards[0].Path, shards[0].Contents.Header);
        foreach (var (shard, contents) in shards)
        {
            if ((header is null) != (contents.Header is null) || (header is not null && header.Differences(contents.Header!, $"in {first}", $"in {shard}") is { Count: > 0 }))
            {
                var differences = header is null || contents.Header is null ? ["one shard has a header and another has none"] : header.Differences(contents.Header, $"in {first}", $"in {shard}");
                throw new JournalSettingsException(shard, differences);
            }

            foreach (var record in contents.Records)
            {
                var key = $"{record.Round}/{record.ImageId}";
                if (!seen.TryAdd(key, shard))
                {
                    throw new InvalidDataException($"Image '{record.ImageId}' (round {record.Round}) is in both '{seen[key]}' and '{shard}': the shards overlap.");
                }

                records.Add(record);
            }
        }

        // The merged journal is what one unsharded run writes: no chunk, and no selection waiting to be applied.
        var merged = header is null ? null : header with { Chunk = null, Settings = SelectionSettings.Without(header.Settings), Statistics = null };
        Write(outputPath, merged, records);
        return (header, merged, records);
    }

    /// <summary>Chunk journals in chunk order, checked to be every chunk of one count exactly once; other journals as given.</summary>
    private static List<(string Path, Contents Contents)> InChunkOrder(List<(string Path, Contents Contents)> shards)
    {
        var chunked = shards.Where(s => s.Contents.Header?.Chunk is not null).ToList();
        if (chunked.Count == 0)
        {
            return shards;
        }

        if (chunked.Count < shards.Count)
        {
            var whole = shards.First(s => s.Contents.Header?.Chunk is null).Path;
            throw new InvalidDataException($"'{whole}' is not a chunk journal (its header names no chunk), but '{chunked[0].Path}' is: merge the chunks of one job array, and only them.");
        }

        var counts = chunked.GroupBy(s => s.Contents.Header!.Chunk!.Value.Count).ToList();
        if (counts.Count > 1)
        {
            throw new InvalidDataException($"The chunk journals come from runs with different chunk counts: {string.Join("; ", counts.Select(g => $"{g.Key} in {string.Join(", ", g.Select(s => s.Path))}"))}.");
        }

        var count = counts[0].Key;
        var problems = new List<string>();
        foreach (var repeated in chunked.GroupBy(s => s.Contents.Header!.Chunk!.Value.Index).Where(g => g.Count() > 1))
        {
            problems.Add($"chunk {repeated.Key} is in {string.Join(" and ", repeated.Select(s => s.Path))}");
        }

        var missing = Enumerable.Range(0, count).Except(chunked.Select(s => s.Contents.Header!.Chunk!.Value.Index)).ToList();
        if (missing.Count > 0)
        {
            problems.Add($"chunk{(missing.Count > 1 ? "s" : string.Empty)} {string.Join(", ", missing)} of 0..{count - 1} {(missing.Count > 1 ? "are" : "is")} missing");
        }

        if (problems.Count > 0)
        {
            throw new InvalidDataException($"Merging needs every chunk of the job array exactly once: {string.Join("; ", problems)}.");
        }

        return chunked.OrderBy(s => s.Contents.Header!.Chunk!.Value.Index).ToList();
    }

    /// <inheritdoc />
    public void Dispose() => _appender.Dispose();

    private static void Check(string path, JournalHeader? found, JournalHeader expected)
    {
        if (found is null)
        {
            throw new InvalidDataException($"{path} has no settings header: it was written by an earlier ViGoR version, or is not a journal. Start fresh: remove it or use another work directory.");
        }

        if (found.VigorJournal != expected.VigorJournal)
        {
            throw new InvalidDataException($"{path} is a '{found.VigorJournal}' journal, not a '{expected.VigorJournal}' one.");
        }

        var differences = found.Differences(expected).ToList();
        if (found.Chunk != expected.Chunk)
        {
            differences.Add($"chunk: {Describe(found.Chunk)} in the journal, {Describe(expected.Chunk)} now");
        }

        if (differences.Count > 0)
        {
            throw new JournalSettingsException(path, differences);
        }
    }

    private static string Describe(DatasetChunk? chunk) => chunk is { } c ? $"{c.Index} of {c.Count}" : "the whole data set";

    /// <inheritdoc />
    public ValueTask DisposeAsync() => _appender.DisposeAsync();

    private static List<SupervisionRecord> Records(IReadOnlyList<JsonLine> lines) =>
        lines.Select(line =>
        {
            try
            {
                return line.Value.Deserialize<SupervisionRecord>(JournalJson.Options)
                    ?? throw new InvalidDataException($"{line.Where}: expected a supervision record, found null.");
            }
            catch (JsonException e)
            {
                throw new InvalidDataException($"{line.Where}: not a valid supervision record ({e.Message}).", e);
            }
        }).ToList();

    private sealed record Contents(JournalHeader? Header, IReadOnlyList<SupervisionRecord> Records);
}
