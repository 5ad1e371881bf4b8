using System.Text.Json;
using System.Text.Json.Serialization;

namespace ViGoR.Evaluation;

/// <summary>How an MME answer reads.</summary>
public enum MmeAnswer
{
    /// <summary>Yes.</summary>
    Yes,

    /// <summary>No.</summary>
    No,

    /// <summary>Neither: always wrong.</summary>
    Other,
}

/// <summary>
/// Reads a free-text MME answer as yes, no or other: lower-case, trim, remove '.'; "yes"/"no"; a
/// single "y"/"n"; otherwise "yes" or (then) "no" within the first four characters, else other.
/// </summary>
/// <remarks>
/// This is the parsing of lmms-eval's MME task (from Otter's evaluation). MME's own
/// <c>eval_tool/calculation.py</c> only lower-cases and tests the first four characters; the two
/// differ only for one-letter answers "y"/"n" and for answers starting with white space or dots.
/// </remarks>
public static class MmeAnswerParser
{
    /// <summary>Parses <paramref name="answer"/>.</summary>
    public static MmeAnswer Parse(string answer)
    {
        ArgumentNullException.ThrowIfNull(answer);
        var text = answer.ToLowerInvariant().Trim().Replace(".", string.Empty, StringComparison.Ordinal);
        switch (text)
        {
            case "yes": return MmeAnswer.Yes;
            case "no": return MmeAnswer.No;
            case "y": return MmeAnswer.Yes;
            case "n": return MmeAnswer.No;
        }

        if (text.Length == 1)
        {
            return MmeAnswer.Other;
        }

        var prefix = text.Length > 4 ? text[..4] : text;
        return prefix.Contains("yes", StringComparison.Ordinal) ? MmeAnswer.Yes
            : prefix.Contains("no", StringComparison.Ordinal) ? MmeAnswer.No
            : MmeAnswer.Other;
    }
}

/// <summary>One line of an MME result file.</summary>
/// <param name="Image">The image name.</param>
/// <param name="Question">The question.</param>
/// <param name="GroundTruthYes">True when the ground truth is "Yes".</param>
/// <param name="Answer">The model's answer text.</param>
/// <param name="Line">One-based line in the subtask file.</param>
public sealed record MmeItem(string Image, string Question, bool GroundTruthYes, string Answer, int Line);

/// <summary>Figures of one MME subtask. <see cref="Score"/> is in 0..200.</summary>
public sealed class MmeSubtaskResult
{
    /// <summary>Questions answered correctly / questions.</summary>
    [JsonPropertyName("accuracy")] public double Accuracy { get; init; }

    /// <summary>Images with both questions right / images (MME's acc+).</summary>
    [JsonPropertyName("accuracy_plus")] public double AccuracyPlus { get; init; }

    /// <summary>Accuracy × 100 + acc+ × 100, MME's subtask score.</summary>
    [JsonPropertyName("score")] public double Score { get; init; }

    /// <summary>Questions.</summary>
    [JsonPropertyName("questions")] public int Questions { get; init; }

    /// <summary>Images (question pairs).</summary>
    [JsonPropertyName("images")] public int Images { get; init; }

    /// <summary>Answers read as neither yes nor no.</summary>
    [JsonPropertyName("other_answers")] public int OtherAnswers { get; init; }
}

/// <summary>MME scores per subtask and the perception and cognition totals.</summary>
public sealed class MmeReport
{
    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Every subtask read, by name.</summary>
    [JsonPropertyName("subtasks")] public IReadOnlyDictionary<string, MmeSubtaskResult> Subtasks { get; init; } = new Dictionary<string, MmeSubtaskResult>();

    /// <summary>Sum of the perception subtasks' scores (0..2000 when all ten are present).</summary>
    [JsonPropertyName("perception")] public double Perception { get; init; }

    /// <summary>Sum of the cognition subtasks' scores (0..800 when all four are present).</summary>
    [JsonPropertyName("cognition")] public double Cognition { get; init; }

    /// <summary>Subtasks of MME's lists that had no result file (their totals are then partial).</summary>
    [JsonPropertyName("missing_subtasks")] public IReadOnlyList<string> MissingSubtasks { get; init; } = [];

    /// <summary>The report as indented JSON.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);
}

/// <summary>
/// Scores MME (Fu et al., 2023) result files laid out as MME's <c>eval_tool</c> expects: one
/// <c>&lt;subtask&gt;.txt</c> per subtask, each line <c>image \t question \t ground truth \t answer</c>,
/// the two questions of an image on consecutive lines.
/// </summary>
/// <remarks>
/// Per subtask the score is accuracy × 100 + acc+ × 100 (MME's <c>calculation.py</c>); answers
/// are read by <see cref="MmeAnswerParser"/>. Unlike <c>calculation.py</c>, which pairs lines by
/// position without checking, each pair must name the same image; otherwise the error gives the file
/// and line. Thread-safe (stateless).
/// </remarks>
public static class MmeEvaluator
{
    /// <summary>MME's perception subtasks (<c>eval_tool/calculation.py</c>).</summary>
    public static readonly IReadOnlyList<string> PerceptionSubtasks = ["existence", "count", "position", "color", "posters", "celebrity", "scene", "landmark", "artwork", "OCR"];

    /// <summary>MME's cognition subtasks (<c>eval_tool/calculation.py</c>).</summary>
    public static readonly IReadOnlyList<string> CognitionSubtasks = ["commonsense_reasoning", "numerical_calculation", "text_translation", "code_reasoning"];

    /// <summary>
    /// Scores every <c>&lt;subtask&gt;.txt</c> of <paramref name="folder"/> named in MME's lists; other
    /// .txt files are ignored. A listed subtask without a file is reported as missing.
    /// </summary>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    /// <exception cref="InvalidDataException">A file is malformed (file and line given) or none of MME's subtasks is present.</exception>
    public static async Task<MmeReport> EvaluateFolderAsync(string folder, CancellationToken cancellationToken = default)
    {
        if (!Directory.Exists(folder))
        {
            throw new DirectoryNotFoundException($"MME results folder not found: '{folder}'.");
        }

        var subtasks = new Dictionary<string, IReadOnlyList<MmeItem>>(StringComparer.Ordinal);
        foreach (var name in PerceptionSubtasks.Concat(CognitionSubtasks))
        {
            var path = Path.Combine(folder, name + ".txt");
            if (File.Exists(path))
            {
                subtasks[name] = await ReadSubtaskAsync(path, cancellationToken);
            }
        }

        if (subtasks.Count == 0)
        {
            throw new InvalidDataException($"'{folder}' holds none of MME's subtask files (existence.txt, count.txt, ..., code_reasoning.txt).");
        }

        return Evaluate(subtasks);
    }

    /// <summary>Reads one subtask file.</summary>
    /// <exception cref="InvalidDataException">A line has not four tab-separated fields, a ground truth is not yes/no, or a pair of lines names two images.</exception>
    public static async Task<IReadOnlyList<MmeItem>> ReadSubtaskAsync(string path, CancellationToken cancellationToken = default)
    {
        var lines = await File.ReadAllLinesAsync(path, cancellationToken);
        var items = new List<MmeItem>();
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].TrimEnd('\r');
            if (line.Length == 0)
            {
                continue;
            }

            var fields = line.Split('\t');
            if (fields.Length != 4)
            {
                throw new InvalidDataException($"{path}, line {i + 1}: expected 4 tab-separated fields (image, question, ground truth, answer), found {fields.Length}.");
            }

            var gt = fields[2].Trim().ToLowerInvariant();
            if (gt is not ("yes" or "no"))
            {
                throw new InvalidDataException($"{path}, line {i + 1}: ground truth must be Yes or No, found \"{fields[2]}\".");
            }

            items.Add(new MmeItem(fields[0], fields[1], gt == "yes", fields[3], i + 1));
        }

        if (items.Count % 2 != 0)
        {
            throw new InvalidDataException($"{path}: {items.Count} answers; MME asks two questions per image, so the count must be even (is a line missing?).");
        }

        for (var i = 0; i < items.Count; i += 2)
        {
            if (!string.Equals(items[i].Image, items[i + 1].Image, StringComparison.Ordinal))
            {
                throw new InvalidDataException($"{path}, line {items[i + 1].Line}: image '{items[i + 1].Image}' does not match line {items[i].Line} ('{items[i].Image}'); the two questions of an image must be on consecutive lines.");
            }
        }

        return items;
    }

    /// <summary>Scores subtasks given in memory, by name.</summary>
    public static MmeReport Evaluate(IReadOnlyDictionary<string, IReadOnlyList<MmeItem>> subtasks)
    {
        ArgumentNullException.ThrowIfNull(subtasks);
        var results = new Dictionary<string, MmeSubtaskResult>(StringComparer.Ordinal);
        foreach (var (name, items) in subtasks)
        {
            results[name] = Score(items);
        }

        return new MmeReport
        {
            Subtasks = results,
            Perception = PerceptionSubtasks.Where(results.ContainsKey).Sum(n => results[n].Score),
            Cognition = CognitionSubtasks.Where(results.ContainsKey).Sum(n => results[n].Score),
            MissingSubtasks = PerceptionSubtasks.Concat(CognitionSubtasks).Where(n => !results.ContainsKey(n)).ToList(),
        };
    }

    /// <summary>Scores one subtask whose items come in image pairs.</summary>
    public static MmeSubtaskResult Score(IReadOnlyList<MmeItem> items)
    {
        ArgumentNullException.ThrowIfNull(items);
        int correct = 0, bothCorrect = 0, other = 0;
        for (var i = 0; i < items.Count; i += 2)
        {
            var imageCorrect = 0;
            for (var j = i; j < Math.Min(i + 2, items.Count); j++)
            {
                var parsed = MmeAnswerParser.Parse(items[j].Answer);
                if (parsed == MmeAnswer.Other)
                {
                    other++;
                }
                else if ((parsed == MmeAnswer.Yes) == items[j].GroundTruthYes)
                {
                    correct++;
                    imageCorrect++;
                }
            }

            if (imageCorrect == 2)
            {
                bothCorrect++;
            }
        }

        var images = (items.Count + 1) / 2;
        var accuracy = items.Count == 0 ? 0 : (double)correct / items.Count;
        var accuracyPlus = images == 0 ? 0 : (double)bothCorrect / images;
        return new MmeSubtaskResult
        {
            Accuracy = accuracy,
            AccuracyPlus = accuracyPlus,
            Score = (accuracy * 100) + (accuracyPlus * 100),
            Questions = items.Count,
            Images = images,
            OtherAnswers = other,
        };
    }
}
