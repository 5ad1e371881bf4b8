using System.Text;
using System.Text.Json;

namespace ViGoR.Evaluation;

/// <summary>
/// An append-only JSON Lines file of finished judgements, keyed by item id, so that a judged run
/// resumes after a crash or Ctrl+C without asking the judge again.
/// </summary>
internal sealed class JudgeJournal<T>
    where T : class
{
    private readonly string? _path;
    private readonly Func<T, string> _key;
    private readonly JsonSerializerOptions _json = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public JudgeJournal(string? path, Func<T, string> key)
    {
        _path = path;
        _key = key;
    }

    /// <summary>Entries already in the file, by key. A last line cut short by a crash is dropped.</summary>
    public async Task<Dictionary<string, T>> LoadAsync(CancellationToken cancellationToken)
    {
        var done = new Dictionary<string, T>(StringComparer.Ordinal);
        if (_path is null || !File.Exists(_path))
        {
            return done;
        }

        var text = await File.ReadAllTextAsync(_path, cancellationToken);
        var lastGood = 0;
        foreach (var line in JsonLines.Parse(text, _path, tolerateTruncatedLastLine: true))
        {
            T? entry;
            try
            {
                entry = line.Value.Deserialize<T>(_json);
            }
            catch (JsonException e)
            {
                throw new InvalidDataException($"{line.Where}: not a judgement record of this run ({e.Message}).", e);
            }

            if (entry is null)
            {
                throw new InvalidDataException($"{line.Where}: empty judgement record.");
            }

            done[_key(entry)] = entry;
            lastGood = line.Line;
        }

        if (text.Length > 0 && !text.EndsWith('\n'))
        {
            var lines = text.Split('\n');
            await File.WriteAllTextAsync(_path, string.Join('\n', lines.Take(lastGood)) + (lastGood > 0 ? "\n" : string.Empty), new UTF8Encoding(false), cancellationToken);
        }

        return done;
    }

    /// <summary>Appends one entry and flushes it to disk.</summary>
    public async Task AppendAsync(T entry, CancellationToken cancellationToken)
    {
        if (_path is null)
        {
            return;
        }

        var directory = Path.GetDirectoryName(Path.GetFullPath(_path));
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }

        var line = JsonSerializer.Serialize(entry, _json) + "\n";
        await using var stream = new FileStream(_path, FileMode.Append, FileAccess.Write, FileShare.Read);
        var bytes = Encoding.UTF8.GetBytes(line);
        await stream.WriteAsync(bytes, cancellationToken);
        await stream.FlushAsync(cancellationToken);
    }
}
