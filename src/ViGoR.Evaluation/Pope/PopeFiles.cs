using System.Globalization;
using System.Text;
using System.Text.Json;

namespace ViGoR.Evaluation;

/// <summary>Reads and writes the POPE file formats, with file and line in every error.</summary>
public static class PopeFiles
{
    /// <summary>The prefix and suffix of POPE's label file names: <c>coco_pope_&lt;split&gt;.json</c>.</summary>
    public const string LabelFilePrefix = "coco_pope_";

    /// <summary>
    /// Reads label files: <paramref name="path"/> is one <c>coco_pope_&lt;split&gt;.json</c> file or a
    /// folder, from which every <c>coco_pope_*.json</c> file is read (sorted by name). A file with any
    /// other name is read as split <paramref name="splitOverride"/> or, when null, as the file name
    /// without extension.
    /// </summary>
    /// <exception cref="InvalidDataException">A line is malformed or a label is neither "yes" nor "no".</exception>
    /// <exception cref="FileNotFoundException">Nothing to read at <paramref name="path"/>.</exception>
    public static async Task<IReadOnlyList<PopeLabelSet>> LoadLabelsAsync(string path, string? splitOverride = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        IEnumerable<string> files;
        if (Directory.Exists(path))
        {
            files = Directory.EnumerateFiles(path, LabelFilePrefix + "*.json").Order(StringComparer.Ordinal).ToList();
            if (!files.Any())
            {
                throw new FileNotFoundException($"No '{LabelFilePrefix}<split>.json' label files in folder '{path}'.", path);
            }
        }
        else
        {
            files = [path];
        }

        var sets = new List<PopeLabelSet>();
        foreach (var file in files)
        {
            var split = splitOverride ?? SplitFromFileName(file);
            var labels = new List<PopeLabel>();
            var ids = new HashSet<string>(StringComparer.Ordinal);
            await foreach (var line in JsonLines.ReadAsync(file, cancellationToken: cancellationToken))
            {
                var id = line.TryGetId("question_id") ?? throw new InvalidDataException($"{line.Where}: missing 'question_id'.");
                var label = line.GetString("label").Trim().ToLowerInvariant();
                if (label is not ("yes" or "no"))
                {
                    throw new InvalidDataException($"{line.Where}: label must be \"yes\" or \"no\", found \"{label}\".");
                }

                if (!ids.Add(id))
                {
                    throw new InvalidDataException($"{line.Where}: question_id {id} appears twice in this label file.");
                }

                labels.Add(new PopeLabel(id, line.GetString("image"), line.GetString("text"), label == "yes", file, line.Line));
            }

            if (sets.Any(s => s.Split == split))
            {
                throw new InvalidDataException($"Two label files give split '{split}' (the second is '{file}').");
            }

            sets.Add(new PopeLabelSet(split, labels));
        }

        return sets;
    }

    /// <summary>The split a label file holds: "random" for <c>coco_pope_random.json</c>.</summary>
    public static string SplitFromFileName(string path)
    {
        var name = Path.GetFileNameWithoutExtension(path);
        return name.StartsWith(LabelFilePrefix, StringComparison.Ordinal) && name.Length > LabelFilePrefix.Length
            ? name[LabelFilePrefix.Length..]
            : name;
    }

    /// <summary>Reads a question file in LLaVA's format (<c>question_id, image, text[, category]</c>).</summary>
    /// <exception cref="InvalidDataException">A line is malformed or an id repeats.</exception>
    public static async Task<IReadOnlyList<PopeQuestion>> LoadQuestionsAsync(string path, CancellationToken cancellationToken = default)
    {
        var questions = new List<PopeQuestion>();
        var ids = new Dictionary<string, int>(StringComparer.Ordinal);
        await foreach (var line in JsonLines.ReadAsync(path, cancellationToken: cancellationToken))
        {
            var id = line.TryGetId("question_id") ?? throw new InvalidDataException($"{line.Where}: missing 'question_id'.");
            if (!ids.TryAdd(id, line.Line))
            {
                throw new InvalidDataException($"{line.Where}: question_id {id} was already used on line {ids[id]}.");
            }

            questions.Add(new PopeQuestion(id, line.GetString("image"), line.GetString("text"), line.TryGetString("category"), path, line.Line));
        }

        return questions;
    }

    /// <summary>
    /// Reads an answer file: LLaVA's format (<c>question_id, prompt, text</c>) or POPE's
    /// (<c>question, answer</c>); <c>image</c> and <c>category</c> are used when present.
    /// </summary>
    /// <exception cref="InvalidDataException">A line is malformed or has neither <c>text</c> nor <c>answer</c>.</exception>
    public static async Task<IReadOnlyList<PopeAnswer>> LoadAnswersAsync(string path, CancellationToken cancellationToken = default)
    {
        var answers = new List<PopeAnswer>();
        await foreach (var line in JsonLines.ReadAsync(path, cancellationToken: cancellationToken))
        {
            answers.Add(ParseAnswer(line));
        }

        return answers;
    }

    internal static PopeAnswer ParseAnswer(JsonLine line)
    {
        string text;
        string? question;
        if (line.Has("text"))
        {
            text = line.GetString("text");
            question = line.TryGetString("prompt") ?? line.TryGetString("question");
        }
        else if (line.Has("answer"))
        {
            text = line.GetString("answer");
            question = line.TryGetString("question") ?? line.TryGetString("prompt");
        }
        else
        {
            throw new InvalidDataException($"{line.Where}: an answer needs 'text' (LLaVA's format) or 'answer' (POPE's format).");
        }

        return new PopeAnswer(line.TryGetId("question_id"), line.TryGetString("image"), question, line.TryGetString("category"), text, line.Source, line.Line);
    }

    /// <summary>
    /// One answer line in LLaVA's format: <c>question_id</c> (a number when the id is numeric),
    /// <c>prompt</c>, <c>text</c>, <c>model_id</c>, <c>metadata</c>; followed by a newline.
    /// </summary>
    public static string FormatLlavaAnswer(string questionId, string prompt, string text, string modelId)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            writer.WriteStartObject();
            if (long.TryParse(questionId, NumberStyles.None, CultureInfo.InvariantCulture, out var numeric)
                && numeric.ToString(CultureInfo.InvariantCulture) == questionId)
            {
                writer.WriteNumber("question_id", numeric);
            }
            else
            {
                writer.WriteString("question_id", questionId);
            }

            writer.WriteString("prompt", prompt);
            writer.WriteString("text", text);
            writer.WriteString("model_id", modelId);
            writer.WriteStartObject("metadata");
            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray()) + "\n";
    }
}
