using System.Text.Json;
using ViGoR.Evaluation;

namespace ViGoR;

/// <summary>
/// Checks the lines of one annotations file against docs/annotations.md and builds their
/// <see cref="AnnotatedDescription"/>s; one instance per file (it remembers the ids seen).
/// </summary>
internal sealed class AnnotationLineReader(string? imagesDirectory)
{
    // The line and revision of each id's latest line: a repeated id must be a later revision (docs/annotations.md, rule 7).
    private readonly Dictionary<string, (int Line, int Revision)> _latestOfId = new(StringComparer.Ordinal);

    /// <summary>
    /// Reads one line, adding each of its problems to <paramref name="problems"/>; returns null
    /// when it had any.
    /// </summary>
    public AnnotatedDescription? Read(JsonLine line, List<AnnotationProblem> problems)
    {
        var check = new Checker(line, problems);
        var o = line.Value;
        var id = check.String(o, "id", "id", nonEmpty: true);
        var image = check.String(o, "image", "image", nonEmpty: true);
        var prompt = check.String(o, "prompt", "prompt");
        var description = check.String(o, "description", "description");
        var revision = ReadRevision(check, o);
        if (id is not null && revision is { } r)
        {
            if (_latestOfId.TryGetValue(id, out var latest) && r <= latest.Revision)
            {
                check.Problem("id", r == 0 && latest.Revision == 0
                    ? $"'{id}' is already the id of line {latest.Line}"
                    : $"'{id}' is already the id of line {latest.Line} (revision {latest.Revision}); a later line needs a greater revision, found {r}");
            }
            else
            {
                _latestOfId[id] = (line.Line, r);
            }
        }

        if (image is not null && imagesDirectory is not null && !File.Exists(Path.Combine(imagesDirectory, image)))
        {
            check.Problem("image", $"'{image}' does not exist in the images folder '{imagesDirectory}'");
        }

        var sentences = ReadSentences(check, o, description);
        var detail = ReadDetail(check, o);
        var missing = Checker.Optional(o, "missing", out var m) ? ReadStrings(check, m, "missing") : null;
        return check.Failed || sentences is null
            ? null
            : new AnnotatedDescription(id!, image!, prompt!, description!, sentences, detail, missing) { Revision = revision!.Value };
    }

    /// <summary>The optional revision: a non-negative integer, 0 when absent.</summary>
    private static int? ReadRevision(Checker check, JsonElement o)
    {
        if (!Checker.Optional(o, "revision", out var value))
        {
            return 0;
        }

        if (value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var revision) && revision >= 0)
        {
            return revision;
        }

        check.Problem("revision", $"expected a non-negative integer, found {Checker.Describe(value)}");
        return null;
    }

    private static List<AnnotatedSentence>? ReadSentences(Checker check, JsonElement o, string? description)
    {
        if (check.Array(o, "sentences", "sentences", "an array of sentences") is not { } array)
        {
            return null;
        }

        var sentences = new List<AnnotatedSentence>();
        var previous = (Field: string.Empty, Start: int.MinValue, End: int.MinValue);
        var i = 0;
        foreach (var item in array.EnumerateArray())
        {
            var path = $"sentences[{i++}]";
            if (item.ValueKind != JsonValueKind.Object)
            {
                check.Problem(path, $"expected an object, found {Checker.Describe(item)}");
                continue;
            }

            var start = check.Integer(item, "start", $"{path}.start");
            var end = check.Integer(item, "end", $"{path}.end");
            var errors = ReadErrors(check, item, path);
            var creative = ReadCreative(check, item, path);
            if (start is not { } s || end is not { } e || !SpanIsValid(check, path, s, e, description, previous))
            {
                continue;
            }

            previous = (path, s, e);
            if (errors is not null && creative is not null)
            {
                sentences.Add(new AnnotatedSentence(s, e, errors, creative.Value));
            }
        }

        return sentences;
    }

    private static bool SpanIsValid(Checker check, string path, int start, int end, string? description, (string Field, int Start, int End) previous)
    {
        var problems = check.Count;
        if (start < 0)
        {
            check.Problem($"{path}.start", $"{start} is negative");
        }

        if (end <= start)
        {
            check.Problem($"{path}.end", $"{end} is not after start ({start})");
        }
        else if (description is not null && end > description.Length)
        {
            check.Problem($"{path}.end", $"{end} is past the end of the description ({description.Length} characters)");
        }

        if (start < previous.Start)
        {
            check.Problem($"{path}.start", $"{start} is before the previous sentence ({previous.Field} starts at {previous.Start}); sentences must be in order");
        }
        else if (start < previous.End)
        {
            check.Problem($"{path}.start", $"{start} overlaps the previous sentence ({previous.Field} ends at {previous.End})");
        }

        return check.Count == problems;
    }

    private static List<SentenceErrorKind>? ReadErrors(Checker check, JsonElement sentence, string path)
    {
        if (check.Array(sentence, "errors", $"{path}.errors", "an array of error kinds (empty when the sentence is correct)") is not { } array)
        {
            return null;
        }

        var kinds = new List<SentenceErrorKind>();
        var ok = true;
        var j = 0;
        foreach (var item in array.EnumerateArray())
        {
            var field = $"{path}.errors[{j++}]";
            if (item.ValueKind != JsonValueKind.String)
            {
                ok = check.Problem(field, $"expected a string, found {Checker.Describe(item)}");
            }
            else if (!SentenceErrorKindNames.TryParse(item.GetString()!, out var kind))
            {
                ok = check.Problem(field, $"unknown error kind '{item.GetString()}' (expected one of {string.Join(", ", SentenceErrorKindNames.Errors.Select(e => e.Name))})");
            }
            else if (kinds.Contains(kind))
            {
                ok = check.Problem(field, $"'{item.GetString()}' is listed twice");
            }
            else
            {
                kinds.Add(kind);
            }
        }

        return ok ? kinds : null;
    }

    private static bool? ReadCreative(Checker check, JsonElement sentence, string path)
    {
        if (!Checker.Optional(sentence, "creative", out var value))
        {
            return false;
        }

        if (value.ValueKind is JsonValueKind.True or JsonValueKind.False)
        {
            return value.GetBoolean();
        }

        check.Problem($"{path}.creative", $"expected true or false, found {Checker.Describe(value)}");
        return null;
    }

    private static int? ReadDetail(Checker check, JsonElement o)
    {
        if (!Checker.Optional(o, "detail", out var value))
        {
            return null;
        }

        if (value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var detail) && detail is >= 1 and <= 5)
        {
            return detail;
        }

        check.Problem("detail", $"expected an integer from 1 to 5, found {Checker.Describe(value)}");
        return null;
    }

    private static List<string>? ReadStrings(Checker check, JsonElement value, string path)
    {
        if (value.ValueKind != JsonValueKind.Array)
        {
            check.Problem(path, $"expected an array of strings, found {Checker.Describe(value)}");
            return null;
        }

        var strings = new List<string>();
        var j = 0;
        foreach (var item in value.EnumerateArray())
        {
            if (item.ValueKind == JsonValueKind.String)
            {
                strings.Add(item.GetString()!);
            }
            else
            {
                check.Problem($"{path}[{j}]", $"expected a string, found {Checker.Describe(item)}");
            }

            j++;
        }

        return strings;
    }

    /// <summary>Typed field access that records a problem, with the field's path, instead of throwing.</summary>
    private sealed class Checker(JsonLine line, List<AnnotationProblem> problems)
    {
        private readonly int _before = problems.Count;

        public bool Failed => problems.Count > _before;

        public int Count => problems.Count;

        /// <summary>Records a problem; returns false so that callers can write <c>ok = check.Problem(...)</c>.</summary>
        public bool Problem(string field, string message)
        {
            problems.Add(new AnnotationProblem(line.Source, line.Line, field, message));
            return false;
        }

        /// <summary>True when the optional field is present and not JSON null.</summary>
        public static bool Optional(JsonElement o, string name, out JsonElement value) =>
            o.TryGetProperty(name, out value) && value.ValueKind != JsonValueKind.Null;

        public string? String(JsonElement o, string name, string path, bool nonEmpty = false)
        {
            if (Required(o, name, path, "a string") is not { } value)
            {
                return null;
            }

            if (value.ValueKind != JsonValueKind.String)
            {
                Problem(path, $"expected a string, found {Describe(value)}");
                return null;
            }

            var text = value.GetString()!;
            if (nonEmpty && text.Length == 0)
            {
                Problem(path, "must not be empty");
                return null;
            }

            return text;
        }

        public int? Integer(JsonElement o, string name, string path)
        {
            if (Required(o, name, path, "an integer") is not { } value)
            {
                return null;
            }

            if (value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var number))
            {
                return number;
            }

            Problem(path, $"expected an integer, found {Describe(value)}");
            return null;
        }

        public JsonElement? Array(JsonElement o, string name, string path, string expected)
        {
            if (Required(o, name, path, expected) is not { } value)
            {
                return null;
            }

            if (value.ValueKind == JsonValueKind.Array)
            {
                return value;
            }

            Problem(path, $"expected {expected}, found {Describe(value)}");
            return null;
        }

        private JsonElement? Required(JsonElement o, string name, string path, string expected)
        {
            if (Optional(o, name, out var value))
            {
                return value;
            }

            Problem(path, o.TryGetProperty(name, out _) ? $"expected {expected}, found null" : $"missing; expected {expected}");
            return null;
        }

        /// <summary>A JSON value as an error message shows it: numbers, booleans and null as written, else its kind.</summary>
        public static string Describe(JsonElement value) => value.ValueKind switch
        {
            JsonValueKind.String => "a string",
            JsonValueKind.Object => "an object",
            JsonValueKind.Array => "an array",
            _ => value.GetRawText(),
        };
    }
}
