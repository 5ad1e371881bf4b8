using System.Text;
using System.Text.Json;
using ViGoR.Evaluation;

namespace ViGoR;

/// <summary>
/// The one way ViGoR appends to a JSON Lines file it may have to resume: the supervision journal,
/// the recorded samples and judgements (<see cref="RecordingVisionLanguageModel"/>,
/// <see cref="RecordingSentenceRewardModel"/>) and the labelling tool's output. Opening reads the
/// complete lines, drops a torn last line (a write cut short by a crash), and writes a
/// <see cref="JournalHeader"/> first into a new file; each append is one write call, flushed to disk
/// before it returns, so a crash tears at most the lines of that call.
/// </summary>
/// <remarks>
/// A last line without its line feed is kept when it is a whole JSON object (only the line feed was
/// lost) and dropped otherwise. A first line whose first property is <c>vigor_journal</c> is the
/// header. One writer per file (take a <see cref="WorkFolderLock"/> for other processes); appends
/// from one task at a time.
/// </remarks>
public sealed class JsonLinesAppender : IDisposable, IAsyncDisposable
{
    private readonly FileStream _stream;

    private JsonLinesAppender(string path, FileStream stream, Contents contents, JournalHeader? header, long droppedBytes)
    {
        Path = path;
        _stream = stream;
        Header = contents.Header ?? header;
        ExistingLines = contents.Lines;
        DroppedBytes = droppedBytes;
    }

    /// <summary>The file.</summary>
    public string Path { get; }

    /// <summary>The file's header: the one it had, or the one written into it when it was new; null for none.</summary>
    public JournalHeader? Header { get; }

    /// <summary>The complete lines (not the header, not blank lines) the file held when it was opened.</summary>
    public IReadOnlyList<JsonLine> ExistingLines { get; }

    /// <summary>How many bytes of a torn last line were cut off on open (0 when none).</summary>
    public long DroppedBytes { get; }

    /// <summary>True when the file ended in a torn line, which was cut off on open.</summary>
    public bool HadTornLine => DroppedBytes > 0;

    /// <summary>
    /// Opens <paramref name="path"/> for appending, creating it and its folder when needed. When the file
    /// already holds a header or a line, <paramref name="checkExisting"/> sees its header (null when it has
    /// none) before anything is changed, and may throw to refuse it; otherwise <paramref name="header"/>,
    /// when given, becomes the first line.
    /// </summary>
    /// <exception cref="InvalidDataException">A complete line is not a JSON object; the message names the file and line.</exception>
    public static JsonLinesAppender Open(string path, JournalHeader? header = null, Action<JournalHeader?>? checkExisting = null)
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
            var empty = contents.Header is null && contents.Lines.Count == 0;
            if (!empty)
            {
                checkExisting?.Invoke(contents.Header);
            }

            var dropped = contents.Torn ? stream.Length - contents.CompleteLength : 0;
            stream.SetLength(contents.CompleteLength);
            stream.Seek(0, SeekOrigin.End);
            var appender = new JsonLinesAppender(path, stream, contents, header, dropped);
            if (contents.MissingNewline)
            {
                appender.Write("\n"u8.ToArray());
            }

            if (empty && header is not null)
            {
                appender.Write(Line(header));
            }

            stream.Flush(flushToDisk: true);
            return appender;
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    /// <summary>Reads a file as <see cref="Open"/> would, changing nothing: its header, complete lines, and whether its last line is torn.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">A complete line is not a JSON object; the message names the file and line.</exception>
    public static (JournalHeader? Header, IReadOnlyList<JsonLine> Lines, bool HadTornLine) Read(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        var contents = ReadContents(stream, path);
        return (contents.Header, contents.Lines, contents.Torn);
    }

    /// <summary>One value as a line: its JSON in <see cref="JournalJson.Options"/> and a line feed.</summary>
    public static byte[] Line<T>(T value)
    {
        var json = JsonSerializer.SerializeToUtf8Bytes(value, JournalJson.Options);
        var line = new byte[json.Length + 1];
        json.CopyTo(line, 0);
        line[^1] = (byte)'\n';
        return line;
    }

    /// <summary>Appends <paramref name="lines"/> (each ending in a line feed, as <see cref="Line"/> makes them) in one write, and flushes them to disk before returning.</summary>
    public async Task AppendAsync(IReadOnlyList<byte[]> lines, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(lines);
        if (lines.Count == 0)
        {
            return;
        }

        var buffer = lines.Count == 1 ? lines[0] : lines.SelectMany(l => l).ToArray();
        if (buffer.Length == 0 || buffer[^1] != (byte)'\n')
        {
            throw new ArgumentException("Every line must end in a line feed.", nameof(lines));
        }

        // One write call: a crash tears at most these lines, never an earlier one.
        await _stream.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
        _stream.Flush(flushToDisk: true);
    }

    /// <inheritdoc />
    public void Dispose() => _stream.Dispose();

    /// <inheritdoc />
    public ValueTask DisposeAsync() => _stream.DisposeAsync();

    private void Write(byte[] bytes) => _stream.Write(bytes);

    private static Contents ReadContents(FileStream stream, string path)
    {
        stream.Position = 0;
        var bytes = new byte[stream.Length];
        stream.ReadExactly(bytes);
        var lines = new List<JsonLine>();
        JournalHeader? header = null;
        var (lineStart, lineNumber) = (0, 0);
        while (lineStart < bytes.Length)
        {
            var newline = Array.IndexOf(bytes, (byte)'\n', lineStart);
            var end = newline < 0 ? bytes.Length : newline;
            var text = Encoding.UTF8.GetString(bytes, lineStart, end - lineStart).TrimEnd('\r');
            lineNumber++;
            if (newline < 0)
            {
                // The unterminated rest: a whole object lost only its line feed; anything else is torn.
                if (string.IsNullOrWhiteSpace(text) || Parse(text) is not { ValueKind: JsonValueKind.Object } last)
                {
                    return new Contents(header, lines, lineStart, Torn: !string.IsNullOrWhiteSpace(text), MissingNewline: false);
                }

                Add(last);
                return new Contents(header, lines, bytes.Length, Torn: false, MissingNewline: true);
            }

            if (!string.IsNullOrWhiteSpace(text))
            {
                var value = Parse(text) ?? throw new InvalidDataException($"{path}, line {lineNumber}: not valid JSON. Preview: {(text.Length <= 80 ? text : text[..80] + "...")}");
                if (value.ValueKind != JsonValueKind.Object)
                {
                    throw new InvalidDataException($"{path}, line {lineNumber}: expected a JSON object, found {value.ValueKind}.");
                }

                Add(value);
            }

            lineStart = newline + 1;
        }

        return new Contents(header, lines, bytes.Length, Torn: false, MissingNewline: false);

        void Add(JsonElement value)
        {
            if (header is null && lines.Count == 0 && IsHeader(value))
            {
                try
                {
                    header = value.Deserialize<JournalHeader>(JournalJson.Options);
                }
                catch (JsonException e)
                {
                    throw new InvalidDataException($"{path}, line {lineNumber}: not a valid journal header ({e.Message}).", e);
                }
            }
            else
            {
                lines.Add(new JsonLine(path, lineNumber, value));
            }
        }
    }

    private static JsonElement? Parse(string text)
    {
        try
        {
            using var document = JsonDocument.Parse(text);
            return document.RootElement.Clone();
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static bool IsHeader(JsonElement value)
    {
        using var properties = value.EnumerateObject();
        return properties.MoveNext() && properties.Current.Name == "vigor_journal";
    }

    private sealed record Contents(JournalHeader? Header, IReadOnlyList<JsonLine> Lines, long CompleteLength, bool Torn, bool MissingNewline);
}
