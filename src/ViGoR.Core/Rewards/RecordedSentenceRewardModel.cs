using System.Globalization;
using System.Text.Json;
using ViGoR.Evaluation;

namespace ViGoR;

/// <summary>What <see cref="RecordedSentenceRewardModel"/> does with a sentence that has no recorded judgement.</summary>
public enum MissingJudgementPolicy
{
    /// <summary>Throw, naming the image and the sentence (default): a gap in the file is a mistake to fix, not a neutral opinion.</summary>
    Error,

    /// <summary>Judge it neutral (score 0).</summary>
    Neutral,
}

/// <summary>
/// An <see cref="ISentenceRewardModel"/> that replays per-sentence judgements made elsewhere (a
/// Python reward model, a human, a judge API, <c>vigor score</c>). The file is JSON Lines, one
/// judgement a line: <c>{"image": "&lt;image id or file name&gt;", "sentence": "&lt;exact sentence
/// text&gt;", "score": &lt;number, negative = error&gt;, "error": "object_hallucination" |
/// "attribute" | "relationship" | "location" | "conjecture" | null, "label_score": &lt;number&gt;}</c>.
/// <c>label_score</c> is optional (<see cref="SentenceJudgement.LabelScore"/>): the most probable
/// label's score when <c>score</c> is an expectation over labels, as <c>vigor score</c> writes for a
/// first-token reward model; absent or null, <c>score</c> is the label's. A first line with a
/// <c>vigor_journal</c> field (the header <c>vigor score</c> writes: the reward model and the samples
/// it judged) is skipped.
/// </summary>
/// <remarks>
/// A sentence is looked up by its exact text under the image's id, then under its file name. The
/// same (image, sentence) may appear more than once with the same judgement; with another it is an
/// error. Thread-safe (read-only after loading).
/// </remarks>
public sealed class RecordedSentenceRewardModel : ISentenceRewardModel, IComponentIdentity
{
    private readonly Dictionary<(string Image, string Sentence), SentenceJudgement> _judgements;
    private readonly string _source;
    private readonly MissingJudgementPolicy _missing;

    private RecordedSentenceRewardModel(Dictionary<(string, string), SentenceJudgement> judgements, string source, MissingJudgementPolicy missing)
    {
        _judgements = judgements;
        _source = source;
        _missing = missing;
    }

    /// <summary>The number of distinct (image, sentence) judgements.</summary>
    public int Count => _judgements.Count;

    /// <inheritdoc />
    public string Identity => File.Exists(_source) ? ComponentIdentity.ForPath("recorded-judgements", _source) : $"recorded-judgements:{_source}";

    /// <summary>Reads a judgements file.</summary>
    /// <exception cref="InvalidDataException">A line is malformed, or contradicts an earlier one; the message names the file, line and field.</exception>
    public static RecordedSentenceRewardModel Load(string path, MissingJudgementPolicy missing = MissingJudgementPolicy.Error)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        return Load(File.ReadAllText(path), path, missing);
    }

    /// <summary>Reads judgements from JSON Lines text; <paramref name="sourceName"/> names it in errors.</summary>
    /// <exception cref="InvalidDataException">A line is malformed, or contradicts an earlier one.</exception>
    public static RecordedSentenceRewardModel Load(string text, string sourceName, MissingJudgementPolicy missing)
    {
        var judgements = new Dictionary<(string, string), SentenceJudgement>();
        Read(JsonLines.Parse(text, sourceName), judgements);
        return new RecordedSentenceRewardModel(judgements, sourceName, missing);
    }

    /// <summary>
    /// Adds the judgements of <paramref name="lines"/> (the judgements format; a header on line 1 is
    /// skipped) to <paramref name="judgements"/>, keyed by (image, sentence).
    /// </summary>
    /// <exception cref="InvalidDataException">A line is malformed, or contradicts an earlier one.</exception>
    internal static void Read(IEnumerable<JsonLine> lines, Dictionary<(string Image, string Sentence), SentenceJudgement> judgements)
    {
        var where = new Dictionary<(string, string), int>();
        foreach (var line in lines)
        {
            if (line.Value.ValueKind != JsonValueKind.Object)
            {
                throw new InvalidDataException($"{line.Where}: expected a JSON object.");
            }

            if (line.Line == 1 && line.Has("vigor_journal"))
            {
                continue; // the recording's header: which reward model judged which samples
            }

            var image = line.TryGetId("image") ?? throw new InvalidDataException($"{line.Where}: missing field 'image'.");
            var sentence = line.GetString("sentence");
            var score = line.TryGetFinite("score") ?? throw new InvalidDataException($"{line.Where}: field 'score' must be a finite number.");
            var judgement = new SentenceJudgement(score, ParseError(line)) { LabelScore = line.TryGetFinite("label_score") };
            var key = (image, sentence);
            if (judgements.TryGetValue(key, out var earlier))
            {
                if (earlier != judgement)
                {
                    var first = where.TryGetValue(key, out var number) ? $"on line {number.ToString(CultureInfo.InvariantCulture)}" : "earlier";
                    throw new InvalidDataException($"{line.Where}: image '{image}', sentence \"{sentence}\" was judged differently {first}.");
                }

                continue;
            }

            judgements[key] = judgement;
            where[key] = line.Line;
        }
    }

    /// <summary>One judgement as a line of the judgements format (what <see cref="Read"/> reads back).</summary>
    internal static Dictionary<string, object?> ToLine(string image, string sentence, SentenceJudgement judgement) => new()
    {
        ["image"] = image,
        ["sentence"] = sentence,
        ["score"] = judgement.Score,
        ["error"] = SentenceErrorKindNames.ToName(judgement.Error),
        ["label_score"] = judgement.LabelScore,
    };

    /// <summary>The judgement of <paramref name="sentence"/> under the image's id, file name or path, or null.</summary>
    internal static SentenceJudgement? Find(IReadOnlyDictionary<(string Image, string Sentence), SentenceJudgement> judgements, ImageInput image, string sentence)
    {
        foreach (var key in Keys(image))
        {
            if (judgements.TryGetValue((key, sentence), out var judgement))
            {
                return judgement;
            }
        }

        return null;
    }

    private static IEnumerable<string> Keys(ImageInput image)
    {
        yield return image.Id;
        if (image.Path is { } path)
        {
            yield return Path.GetFileName(path);
            yield return path;
        }
    }

    /// <inheritdoc />
    /// <exception cref="KeyNotFoundException">A sentence has no judgement and the policy is <see cref="MissingJudgementPolicy.Error"/>.</exception>
    public Task<IReadOnlyList<SentenceJudgement>> JudgeAsync(ImageInput image, string prompt, ParsedText description, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(description);
        var result = new List<SentenceJudgement>(description.Sentences.Count);
        foreach (var sentence in description.Sentences)
        {
            var found = Find(_judgements, image, sentence.Text);
            if (found is null && _missing == MissingJudgementPolicy.Error)
            {
                throw new KeyNotFoundException(
                    $"{_source} has no judgement for image '{image.Id}', sentence \"{sentence.Text}\". Add it, or load the file with MissingJudgementPolicy.Neutral to judge missing sentences neutral.");
            }

            result.Add(found ?? new SentenceJudgement(0));
        }

        return Task.FromResult<IReadOnlyList<SentenceJudgement>>(result);
    }

    private static SentenceErrorKind ParseError(JsonLine line)
    {
        var name = line.TryGetString("error");
        return SentenceErrorKindNames.TryParse(name, out var kind)
            ? kind
            : throw new InvalidDataException($"{line.Where}: field 'error' must be {SentenceErrorKindNames.Accepted}, not '{name}'.");
    }
}
