using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using ViGoR.Evaluation;

namespace ViGoR;

/// <summary>
/// M-HalDetect-style span files (Gunjal et al. 2024), the interchange of <c>vigor annotations
/// import|export --format mhal</c>: JSON Lines of
/// <c>{"id", "image", "question", "response", "annotations": [{"start", "end", "text", "label"}]}</c>
/// with the labels <c>ACCURATE</c>, <c>INACCURATE</c>, <c>ANALYSIS</c> and <c>UNSURE</c>.
/// </summary>
/// <remarks>
/// Export: a correct sentence is ACCURATE, a correct creative one ANALYSIS, one with any error
/// INACCURATE; each span also carries ViGoR's <c>errors</c> and <c>creative</c>, which M-HalDetect readers ignore and
/// import reads back, so a round trip keeps the kinds. Detail and missing objects have no place
/// in the format and are not exported. Import: INACCURATE without <c>errors</c> becomes
/// <c>object_hallucination</c> (M-HalDetect does not name the kind); an UNSURE span is left
/// unlabelled (the format allows text between sentences). The imported lines are then checked by
/// <see cref="Annotations.Parse"/>, the same code as <c>vigor annotations validate</c>.
/// </remarks>
public static class MhalSpans
{
    private static readonly JsonSerializerOptions Json = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>The descriptions as M-HalDetect-style JSON Lines, one line (ending in a line feed) each.</summary>
    public static string Export(IEnumerable<AnnotatedDescription> descriptions)
    {
        ArgumentNullException.ThrowIfNull(descriptions);
        var text = new StringBuilder();
        foreach (var d in descriptions)
        {
            var spans = d.Sentences.Select(s => new Dictionary<string, object>
            {
                ["start"] = s.Start,
                ["end"] = s.End,
                ["text"] = d.Description[s.Start..s.End],
                ["label"] = !s.IsCorrect ? "INACCURATE" : s.Creative ? "ANALYSIS" : "ACCURATE",
                ["errors"] = s.Errors.Select(e => SentenceErrorKindNames.ToName(e)).ToList(),
                ["creative"] = s.Creative,
            }).ToList();
            var line = new Dictionary<string, object> { ["id"] = d.Id, ["image"] = d.Image, ["question"] = d.Prompt, ["response"] = d.Description, ["annotations"] = spans };
            text.Append(JsonSerializer.Serialize(line, Json)).Append('\n');
        }

        return text.ToString();
    }

    /// <summary>Reads M-HalDetect-style spans into the annotations format and validates the result.</summary>
    /// <param name="text">The file's content.</param>
    /// <param name="sourceName">Names the file in every problem.</param>
    /// <exception cref="InvalidDataException">A line lacks a field or has an unknown label (the message names file, line and field), or the converted line breaks a rule of docs/annotations.md.</exception>
    public static IReadOnlyList<AnnotatedDescription> Import(string text, string sourceName)
    {
        ArgumentNullException.ThrowIfNull(text);
        var converted = new StringBuilder();
        foreach (var line in JsonLines.Parse(text, sourceName))
        {
            if (line.Value.ValueKind != JsonValueKind.Object)
            {
                throw new InvalidDataException($"{line.Where}: expected a JSON object.");
            }

            var response = line.GetString("response");
            var id = line.TryGetString("id") ?? line.TryGetId("image_id") ?? throw new InvalidDataException($"{line.Where}, id: missing; expected a string.");
            var sentences = new List<AnnotatedSentence>();
            if (!line.Value.TryGetProperty("annotations", out var spans) || spans.ValueKind != JsonValueKind.Array)
            {
                throw new InvalidDataException($"{line.Where}, annotations: missing; expected an array of spans.");
            }

            var i = 0;
            foreach (var span in spans.EnumerateArray())
            {
                var path = $"{line.Where}, annotations[{i++}]";
                if (ReadSpan(span, path) is { } sentence)
                {
                    sentences.Add(sentence);
                }
            }

            var description = new AnnotatedDescription(id, line.TryGetString("image") ?? id, line.TryGetString("question") ?? string.Empty, response, [.. sentences.OrderBy(s => s.Start)]);
            converted.Append(Encoding.UTF8.GetString(Annotations.ToJsonLine(description)));
        }

        return Annotations.Parse(converted.ToString(), sourceName).Descriptions;
    }

    private static AnnotatedSentence? ReadSpan(JsonElement span, string path)
    {
        int Offset(string name) => span.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var n)
            ? n
            : throw new InvalidDataException($"{path}.{name}: missing; expected an integer.");
        var label = span.TryGetProperty("label", out var l) && l.ValueKind == JsonValueKind.String ? l.GetString()! : throw new InvalidDataException($"{path}.label: missing; expected a string.");
        List<SentenceErrorKind> errors = [];
        if (span.TryGetProperty("errors", out var e) && e.ValueKind == JsonValueKind.Array)
        {
            errors = [.. e.EnumerateArray().Select((k, j) => SentenceErrorKindNames.TryParse(k.GetString(), out var kind) && kind != SentenceErrorKind.None
                ? kind
                : throw new InvalidDataException($"{path}.errors[{j}]: unknown error kind '{k}'."))];
        }

        var creative = span.TryGetProperty("creative", out var c) && c.ValueKind == JsonValueKind.True;
        return label.ToUpperInvariant() switch
        {
            "ACCURATE" => new AnnotatedSentence(Offset("start"), Offset("end"), [], creative),
            "ANALYSIS" => new AnnotatedSentence(Offset("start"), Offset("end"), [], true),
            "INACCURATE" => new AnnotatedSentence(Offset("start"), Offset("end"), errors.Count > 0 ? errors : [SentenceErrorKind.ObjectHallucination], creative),
            "UNSURE" => null,
            _ => throw new InvalidDataException($"{path}.label: unknown label '{label}' (expected ACCURATE, INACCURATE, ANALYSIS or UNSURE)."),
        };
    }
}
