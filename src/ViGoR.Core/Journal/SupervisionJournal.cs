using System.Text;
using System.Text.Json;

namespace ViGoR;

/// <summary>
/// The supervision journal: JSON Lines, one <see cref="SupervisionRecord"/> per image, appended and
/// flushed to disk per record. A crash can leave at most one torn (unterminated) last line; opening
/// the journal again drops it and appends after the last complete record.
/// </summary>
/// <remarks>One writer per file. Not thread-safe: append from one task at a time.</remarks>
public sealed class SupervisionJournal : IAsyncDisposable, IDisposable
{
    private readonly FileStream _stream;

    private SupervisionJournal(string path, FileStream stream, IReadOnlyList<SupervisionRecord> existing, bool hadTornLine)
    {
        Path = path;
        _stream = stream;
        ExistingRecords = existing;
        HadTornLine = hadTornLine;
    }

    /// <summary>The journal file.</summary>
    public string Path { get; }

    /// <summary>The complete records that were already in the file when it was opened.</summary>
    public IReadOnlyList<SupervisionRecord> ExistingRecords { get; }

    /// <summary>True when the file ended in a torn line (from a crash), which was removed on open.</summary>
    public bool HadTornLine { get; }

    /// <summary>
    /// Opens <paramref name="path"/> for appending, creating it (and its folder) if needed, reading
    /// the records already there and cutting off a torn last line.
    /// </summary>
    /// <exception cref="InvalidDataException">A complete line is not a valid record (the message names the line).</exception>
    public static SupervisionJournal Open(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var folder = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(folder))
        {
            Directory.CreateDirectory(folder);
        }

        var stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read);
        try
        {
            var contents = ReadContents(stream, path);
            if (contents.CompleteLength < stream.Length)
            {
                stream.SetLength(contents.CompleteLength);
            }

            stream.Seek(0, SeekOrigin.End);
            return new SupervisionJournal(path, stream, contents.Records, contents.HadTornLine);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    /// <summary>Reads the complete records of a journal; a torn last line is ignored.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">A complete line is not a valid record (the message names the line).</exception>
    public static IReadOnlyList<SupervisionRecord> Read(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        return ReadContents(stream, path).Records;
    }

    /// <summary>Appends one record and flushes it to disk before returning.</summary>
    public async Task AppendAsync(SupervisionRecord record, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(record);
        var line = JsonSerializer.SerializeToUtf8Bytes(record, JournalJson.Options);
        var buffer = new byte[line.Length + 1];
        line.CopyTo(buffer, 0);
        buffer[^1] = (byte)'\n';

        // One write call per record: a crash tears at most this line, never an earlier one.
        await _stream.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
        _stream.Flush(flushToDisk: true);
    }

    /// <summary>
    /// Joins shard journals into <paramref name="outputPath"/>, in the order given (shard 0 first,
    /// which is data-set order for LLaVA-style chunks). Writes to a temporary file and renames it.
    /// </summary>
    /// <returns>The number of records written.</returns>
    /// <exception cref="InvalidDataException">A shard has a torn last line (unfinished) or an image id appears twice.</exception>
    public static int Merge(IReadOnlyList<string> shardPaths, string outputPath)
    {
        ArgumentNullException.ThrowIfNull(shardPaths);
        var seen = new Dictionary<string, string>(StringComparer.Ordinal);
        var temp = outputPath + ".tmp";
        var count = 0;
        using (var output = new FileStream(temp, FileMode.Create, FileAccess.Write))
        {
            foreach (var shard in shardPaths)
            {
                using var stream = new FileStream(shard, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
                var contents = ReadContents(stream, shard);
                if (contents.HadTornLine)
                {
                    throw new InvalidDataException($"Shard '{shard}' ends in an unfinished line: its job was interrupted. Resume it before merging.");
                }

                foreach (var record in contents.Records)
                {
                    var key = $"{record.Round}/{record.ImageId}";
                    if (!seen.TryAdd(key, shard))
                    {
                        throw new InvalidDataException($"Image '{record.ImageId}' (round {record.Round}) is in both '{seen[key]}' and '{shard}': the shards overlap.");
                    }
                }

                stream.Position = 0;
                var bytes = new byte[contents.CompleteLength];
                stream.ReadExactly(bytes);
                output.Write(bytes);
                count += contents.Records.Count;
            }

            output.Flush(flushToDisk: true);
        }

        File.Move(temp, outputPath, overwrite: true);
        return count;
    }

    /// <inheritdoc />
    public void Dispose() => _stream.Dispose();

    /// <inheritdoc />
    public ValueTask DisposeAsync() => _stream.DisposeAsync();

    private static Contents ReadContents(FileStream stream, string path)
    {
        stream.Position = 0;
        var bytes = new byte[stream.Length];
        stream.ReadExactly(bytes);
        var records = new List<SupervisionRecord>();
        var lineStart = 0;
        var lineNumber = 0;
        while (true)
        {
            var newline = Array.IndexOf(bytes, (byte)'\n', lineStart);
            if (newline < 0)
            {
                break;
            }

            lineNumber++;
            var line = new ReadOnlySpan<byte>(bytes, lineStart, newline - lineStart);
            if (!line.Trim((byte)'\r').IsEmpty)
            {
                records.Add(ParseLine(line, path, lineNumber));
            }

            lineStart = newline + 1;
        }

        var torn = lineStart < bytes.Length && !IsWhiteSpace(bytes.AsSpan(lineStart));
        return new Contents(records, lineStart, torn);
    }

    private static SupervisionRecord ParseLine(ReadOnlySpan<byte> line, string path, int lineNumber)
    {
        try
        {
            return JsonSerializer.Deserialize<SupervisionRecord>(line, JournalJson.Options)
                ?? throw new InvalidDataException($"{path}, line {lineNumber}: expected a record, found null.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}, line {lineNumber}: not a valid supervision record ({e.Message}). Preview: {Preview(line)}", e);
        }
    }

    private static string Preview(ReadOnlySpan<byte> line)
    {
        var text = Encoding.UTF8.GetString(line);
        return text.Length <= 80 ? text : text[..80] + "...";
    }

    private static bool IsWhiteSpace(ReadOnlySpan<byte> bytes)
    {
        foreach (var b in bytes)
        {
            if (b is not ((byte)' ' or (byte)'\t' or (byte)'\r'))
            {
                return false;
            }
        }

        return true;
    }

    private sealed record Contents(IReadOnlyList<SupervisionRecord> Records, long CompleteLength, bool HadTornLine);
}
