using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;

// In Core because Core's readers (TrainingDataset, RecordedVisionLanguageModel) and the evaluators
// all use it; the namespace is the one it was published in.
namespace ViGoR.Evaluation;

/// <summary>One parsed line of a JSON Lines file, with where it came from for error messages.</summary>
/// <param name="Source">The file path (or a name for in-memory input).</param>
/// <param name="Line">One-based line number.</param>
/// <param name="Value">The parsed JSON value (an object for every format this library reads).</param>
public readonly record struct JsonLine(string Source, int Line, JsonElement Value)
{
    /// <summary>"file, line N": the prefix of every error about this line.</summary>
    public string Where => $"{Source}, line {Line}";

    /// <summary>A required string field.</summary>
    /// <exception cref="InvalidDataException">The field is missing or not a string.</exception>
    public string GetString(string name) =>
        TryGetString(name) ?? throw new InvalidDataException($"{Where}: missing string field '{name}'.");

    /// <summary>An optional string field; null when absent or JSON null.</summary>
    /// <exception cref="InvalidDataException">The field is present but not a string.</exception>
    public string? TryGetString(string name)
    {
        if (!Value.TryGetProperty(name, out var p) || p.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return p.ValueKind == JsonValueKind.String
            ? p.GetString()
            : throw new InvalidDataException($"{Where}: field '{name}' must be a string, found {p.ValueKind}.");
    }

    /// <summary>
    /// An optional id field that may be a JSON number or string (question ids, image ids), as its
    /// invariant text; null when absent.
    /// </summary>
    /// <exception cref="InvalidDataException">The field is present but neither a number nor a string.</exception>
    public string? TryGetId(string name)
    {
        if (!Value.TryGetProperty(name, out var p) || p.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return p.ValueKind switch
        {
            JsonValueKind.String => p.GetString(),
            JsonValueKind.Number => p.TryGetInt64(out var i) ? i.ToString(CultureInfo.InvariantCulture) : p.GetRawText(),
            _ => throw new InvalidDataException($"{Where}: field '{name}' must be a number or a string, found {p.ValueKind}."),
        };
    }

    /// <summary>An optional finite number field; null when absent or JSON null.</summary>
    /// <exception cref="InvalidDataException">The field is present but not a finite number.</exception>
    public double? TryGetFinite(string name)
    {
        if (!Value.TryGetProperty(name, out var p) || p.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return p.ValueKind == JsonValueKind.Number && double.IsFinite(p.GetDouble())
            ? p.GetDouble()
            : throw new InvalidDataException($"{Where}: field '{name}' must be a finite number, found {p.GetRawText()}.");
    }

    /// <summary>True when the object has the field (even if null).</summary>
    public bool Has(string name) => Value.TryGetProperty(name, out _);
}

/// <summary>Reads JSON Lines files line by line, with file and line in every error.</summary>
public static class JsonLines
{
    /// <summary>
    /// Reads every non-blank line of <paramref name="path"/> as a JSON object. A line that is not
    /// valid JSON, or not an object, throws <see cref="InvalidDataException"/> naming the file and line.
    /// </summary>
    /// <param name="path">The file.</param>
    /// <param name="tolerateTruncatedLastLine">
    /// When true, an unparsable <em>last</em> line without a trailing newline (a write cut short by a
    /// crash) is skipped instead of throwing; used when resuming files this library appends to.
    /// </param>
    /// <param name="cancellationToken">Cancels the read.</param>
    public static async IAsyncEnumerable<JsonLine> ReadAsync(
        string path,
        bool tolerateTruncatedLastLine = false,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"File not found: '{path}'.", path);
        }

        string text;
        try
        {
            text = await File.ReadAllTextAsync(path, Encoding.UTF8, cancellationToken);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new IOException($"Cannot read '{path}': {e.Message}", e);
        }

        foreach (var line in Parse(text, path, tolerateTruncatedLastLine))
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return line;
        }
    }

    /// <summary>Parses JSON Lines text held in memory; <paramref name="source"/> names it in errors.</summary>
    public static IEnumerable<JsonLine> Parse(string text, string source, bool tolerateTruncatedLastLine = false) =>
        Parse(text, source, tolerateTruncatedLastLine, onInvalidLine: null);

    /// <summary>
    /// As <see cref="Parse(string, string, bool)"/>, but when <paramref name="onInvalidLine"/> is given a
    /// line that is not a JSON object is passed to it (line number, reason) and skipped instead of
    /// throwing, so that a validator can report every bad line of a file.
    /// </summary>
    internal static IEnumerable<JsonLine> Parse(string text, string source, bool tolerateTruncatedLastLine, Action<int, string>? onInvalidLine)
    {
        ArgumentNullException.ThrowIfNull(text);
        var lines = text.Split('\n');
        var endsWithNewline = text.EndsWith('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var raw = lines[i].TrimEnd('\r');
            if (string.IsNullOrWhiteSpace(raw))
            {
                continue;
            }

            JsonElement value = default;
            string? reason = null;
            JsonException? cause = null;
            try
            {
                using var doc = JsonDocument.Parse(raw);
                value = doc.RootElement.Clone();
            }
            catch (JsonException e)
            {
                var isLast = i == lines.Length - 1 && !endsWithNewline;
                if (tolerateTruncatedLastLine && isLast)
                {
                    yield break;
                }

                (reason, cause) = ($"not valid JSON ({e.Message})", e);
            }

            if (reason is null && value.ValueKind != JsonValueKind.Object)
            {
                reason = $"expected a JSON object, found {value.ValueKind}";
            }

            if (reason is not null)
            {
                if (onInvalidLine is null)
                {
                    throw new InvalidDataException($"{source}, line {i + 1}: {reason}.", cause);
                }

                onInvalidLine(i + 1, reason);
                continue;
            }

            yield return new JsonLine(source, i + 1, value);
        }
    }
}
