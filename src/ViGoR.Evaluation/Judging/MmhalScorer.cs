using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace ViGoR.Evaluation;

/// <summary>One MMHal-Bench record with the model's answer (the benchmark's <c>response_template.json</c> fields).</summary>
/// <param name="Index">Zero-based position in the response file (the resume key).</param>
/// <param name="QuestionType">The question type (one of eight), when given.</param>
/// <param name="ImageContent">The image's object labels ("image_content").</param>
/// <param name="Question">The question.</param>
/// <param name="GroundTruthAnswer">The human answer ("gt_answer").</param>
/// <param name="ModelAnswer">The answer to rate ("model_answer").</param>
public sealed record MmhalRecord(int Index, string? QuestionType, IReadOnlyList<string> ImageContent, string Question, string GroundTruthAnswer, string ModelAnswer);

/// <summary>The judge's rating of one record.</summary>
public sealed class MmhalRating
{
    /// <summary>Position in the response file.</summary>
    [JsonPropertyName("index")] public int Index { get; init; }

    /// <summary>The question type, when given.</summary>
    [JsonPropertyName("question_type")] public string? QuestionType { get; init; }

    /// <summary>The rating 0..6, or null when every reply was malformed.</summary>
    [JsonPropertyName("rating")] public int? Rating { get; init; }

    /// <summary>Judge calls made.</summary>
    [JsonPropertyName("attempts")] public int Attempts { get; init; }

    /// <summary>The judge's last reply, verbatim.</summary>
    [JsonPropertyName("reply")] public string? Reply { get; init; }
}

/// <summary>MMHal-Bench figures.</summary>
public sealed class MmhalReport
{
    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Mean rating, 0..6.</summary>
    [JsonPropertyName("average_score")] public double AverageScore { get; init; }

    /// <summary>Share of ratings below 3 (the rubric's "with hallucination" ratings), 0..1.</summary>
    [JsonPropertyName("hallucination_rate")] public double HallucinationRate { get; init; }

    /// <summary>Mean rating per question type.</summary>
    [JsonPropertyName("average_score_by_type")] public Dictionary<string, double> AverageScoreByType { get; init; } = [];

    /// <summary>Records rated.</summary>
    [JsonPropertyName("rated")] public int Rated { get; init; }

    /// <summary>Records whose every reply was malformed.</summary>
    [JsonPropertyName("failures")] public int Failures { get; init; }

    /// <summary>Whether failures entered the figures as rating 0 (as LLaVA-RLHF's script does) or were left out.</summary>
    [JsonPropertyName("failures_count_as_zero")] public bool FailuresCountAsZero { get; init; }

    /// <summary>Every rating, in record order.</summary>
    [JsonPropertyName("ratings")] public IReadOnlyList<MmhalRating> Ratings { get; init; } = [];

    /// <summary>The report as indented JSON.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);
}

/// <summary>Settings of an <see cref="MmhalScorer"/>.</summary>
public sealed class MmhalOptions
{
    /// <summary>How many times to ask when a reply has no single "Rating: N", in all. Default 3; at least 1.</summary>
    public int MaxAttempts { get; set; } = 3;

    /// <summary>
    /// Count a record whose every reply was malformed as rating 0 (true, LLaVA-RLHF's
    /// <c>eval_gpt4.py</c>) or leave it out of the figures (false). Default true, to reproduce published numbers.
    /// </summary>
    public bool FailuresCountAsZero { get; set; } = true;

    /// <summary>Options for every judge call. Default: temperature 0, as the reference calls GPT-4.</summary>
    public ChatOptions ChatOptions { get; set; } = new() { Temperature = 0 };

    /// <summary>A JSON Lines file of finished ratings for resuming; null keeps them in memory only.</summary>
    public string? JournalPath { get; set; }
}

/// <summary>
/// Scores MMHal-Bench answers (96 questions; Sun et al., 2023) with an LLM judge through
/// <see cref="IChatClient"/>, using LLaVA-RLHF's rubric (<see cref="MmhalRubric"/>): each answer is
/// rated 0..6; the report gives the average rating and the hallucination rate (share of ratings &lt; 3).
/// </summary>
/// <remarks>
/// A reply is read as the reference reads it: the rating is N when the lower-cased reply contains
/// "rating: N" for exactly one N in 0..6. Otherwise the judge is asked again (up to
/// <see cref="MmhalOptions.MaxAttempts"/>); a record that never gets a rating is a failure
/// (<see cref="MmhalOptions.FailuresCountAsZero"/>). Per-type averages group by the records'
/// <c>question_type</c> instead of the reference's "index mod 8", which assumes the original order.
/// Not thread-safe: one run at a time per instance.
/// </remarks>
public sealed class MmhalScorer
{
    /// <summary>
    /// Ratings below this are "with hallucination" in the rubric (LLaVA-RLHF <c>eval_gpt4.py</c>:
    /// hallucination rate = share of ratings &lt; 3).
    /// </summary>
    public const int HallucinationThreshold = 3;

    private readonly IChatClient _judge;
    private readonly MmhalOptions _options;
    private readonly ILogger _logger;

    /// <summary>Creates a scorer.</summary>
    public MmhalScorer(IChatClient judge, MmhalOptions? options = null, ILogger<MmhalScorer>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(judge);
        _judge = judge;
        _options = options ?? new MmhalOptions();
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    /// <summary>
    /// Reads a response file in MMHal-Bench's format: a JSON array of objects with
    /// <c>image_content</c> (list of strings), <c>question</c>, <c>gt_answer</c>, <c>model_answer</c>
    /// and optionally <c>question_type</c>.
    /// </summary>
    /// <exception cref="InvalidDataException">The file is not such an array; the message names the entry and field.</exception>
    public static async Task<IReadOnlyList<MmhalRecord>> LoadResponsesAsync(string path, CancellationToken cancellationToken = default)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"File not found: '{path}'.", path);
        }

        JsonDocument doc;
        await using (var stream = File.OpenRead(path))
        {
            try
            {
                doc = await JsonDocument.ParseAsync(stream, cancellationToken: cancellationToken);
            }
            catch (JsonException e)
            {
                throw new InvalidDataException($"{path}: not valid JSON ({e.Message}).", e);
            }
        }

        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Array)
            {
                throw new InvalidDataException($"{path}: expected a JSON array of MMHal-Bench records.");
            }

            var records = new List<MmhalRecord>();
            var index = 0;
            foreach (var e in doc.RootElement.EnumerateArray())
            {
                var where = $"{path}, entry {index + 1}";
                string Field(string name) => e.TryGetProperty(name, out var p) && p.ValueKind == JsonValueKind.String
                    ? p.GetString()!
                    : throw new InvalidDataException($"{where}: missing string field '{name}'.");
                if (!e.TryGetProperty("image_content", out var content) || content.ValueKind != JsonValueKind.Array)
                {
                    throw new InvalidDataException($"{where}: missing list field 'image_content'.");
                }

                var type = e.TryGetProperty("question_type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
                records.Add(new MmhalRecord(
                    index,
                    type,
                    content.EnumerateArray().Select(c => c.GetString() ?? string.Empty).ToList(),
                    Field("question"),
                    Field("gt_answer"),
                    Field("model_answer")));
                index++;
            }

            return records;
        }
    }

    /// <summary>Rates every record (resuming from the journal) and computes the figures.</summary>
    public async Task<MmhalReport> ScoreAsync(IReadOnlyList<MmhalRecord> records, IProgress<JudgeProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(records);
        var journal = new JudgeJournal<MmhalRating>(_options.JournalPath, r => r.Index.ToString(CultureInfo.InvariantCulture));
        var done = await journal.LoadAsync(cancellationToken);
        var ratings = new List<MmhalRating>(records.Count);
        var failures = 0;
        foreach (var record in records)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (!done.TryGetValue(record.Index.ToString(CultureInfo.InvariantCulture), out var rating))
            {
                rating = await RateAsync(record, cancellationToken);
                await journal.AppendAsync(rating, cancellationToken);
                if (rating.Rating is null)
                {
                    _logger.LogWarning("No single rating in the judge's replies for MMHal record {Index} after {Attempts} attempts.", record.Index, rating.Attempts);
                }
            }

            ratings.Add(rating);
            failures += rating.Rating is null ? 1 : 0;
            progress?.Report(new JudgeProgress(ratings.Count, records.Count, failures));
        }

        return Summarize(ratings, _options.FailuresCountAsZero);
    }

    /// <summary>Computes the figures from ratings.</summary>
    public static MmhalReport Summarize(IReadOnlyList<MmhalRating> ratings, bool failuresCountAsZero)
    {
        ArgumentNullException.ThrowIfNull(ratings);
        var counted = ratings.Where(r => r.Rating is not null || failuresCountAsZero).ToList();
        int Value(MmhalRating r) => r.Rating ?? 0;
        return new MmhalReport
        {
            AverageScore = counted.Count == 0 ? 0 : counted.Average(Value),
            HallucinationRate = counted.Count == 0 ? 0 : counted.Count(r => Value(r) < HallucinationThreshold) / (double)counted.Count,
            AverageScoreByType = counted.Where(r => r.QuestionType is not null)
                .GroupBy(r => r.QuestionType!, StringComparer.Ordinal)
                .OrderBy(g => g.Key, StringComparer.Ordinal)
                .ToDictionary(g => g.Key, g => g.Average(Value)),
            Rated = ratings.Count(r => r.Rating is not null),
            Failures = ratings.Count(r => r.Rating is null),
            FailuresCountAsZero = failuresCountAsZero,
            Ratings = ratings,
        };
    }

    /// <summary>The rating in a judge reply, read as LLaVA-RLHF does, or null when not exactly one is found.</summary>
    public static int? ParseRating(string reply)
    {
        ArgumentNullException.ThrowIfNull(reply);
        var lower = reply.ToLowerInvariant();
        int? found = null;
        for (var s = 0; s <= 6; s++)
        {
            if (lower.Contains(string.Create(CultureInfo.InvariantCulture, $"rating: {s}"), StringComparison.Ordinal))
            {
                if (found is not null)
                {
                    return null;
                }

                found = s;
            }
        }

        return found;
    }

    private async Task<MmhalRating> RateAsync(MmhalRecord record, CancellationToken cancellationToken)
    {
        var prompt = MmhalRubric.Format(record.ImageContent, record.Question, record.GroundTruthAnswer, record.ModelAnswer);
        var messages = new List<ChatMessage> { new(ChatRole.User, prompt) };
        string? reply = null;
        var attempts = 0;
        while (attempts < Math.Max(1, _options.MaxAttempts))
        {
            attempts++;
            var response = await _judge.GetResponseAsync(messages, _options.ChatOptions.Clone(), cancellationToken);
            reply = response.Text;
            if (ParseRating(reply) is { } rating)
            {
                return new MmhalRating { Index = record.Index, QuestionType = record.QuestionType, Rating = rating, Attempts = attempts, Reply = reply };
            }

            messages.Add(new ChatMessage(ChatRole.Assistant, reply));
            messages.Add(new ChatMessage(ChatRole.User, "Your reply must contain exactly one rating, written as \"Rating: N\" with N from 0 to 6. Please give your evaluation again."));
        }

        return new MmhalRating { Index = record.Index, QuestionType = record.QuestionType, Rating = null, Attempts = attempts, Reply = reply };
    }
}
