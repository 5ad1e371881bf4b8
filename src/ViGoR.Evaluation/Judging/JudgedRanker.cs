using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace ViGoR.Evaluation;

/// <summary>One model's description of an image.</summary>
/// <param name="Model">The model's name (distinct within an item).</param>
/// <param name="Text">The description.</param>
public sealed record RankingCandidate(string Model, string Text);

/// <summary>An image and the descriptions to rank.</summary>
/// <param name="ImageId">The image id (also the resume key).</param>
/// <param name="Candidates">Two or more descriptions, one per model.</param>
/// <param name="Image">The image to show the judge, if any.</param>
/// <param name="Reference">Reference information to show the judge (human captions, ground-truth objects), if any.</param>
public sealed record RankingItem(string ImageId, IReadOnlyList<RankingCandidate> Candidates, ImageInput? Image = null, string? Reference = null);

/// <summary>The judge's verdict on one image.</summary>
public sealed class RankingJudgement
{
    /// <summary>The image id.</summary>
    [JsonPropertyName("image_id")] public string ImageId { get; init; } = string.Empty;

    /// <summary>Which model each label shown to the judge stood for ("A" → model), after the seeded shuffle.</summary>
    [JsonPropertyName("mapping")] public Dictionary<string, string> Mapping { get; init; } = [];

    /// <summary>Per criterion, each model's rank (1 = best); null when the judgement failed.</summary>
    [JsonPropertyName("ranks")] public Dictionary<string, Dictionary<string, int>>? Ranks { get; init; }

    /// <summary>Why the judgement failed (every attempt malformed), or null.</summary>
    [JsonPropertyName("failure")] public string? Failure { get; init; }

    /// <summary>Judge calls made for this image.</summary>
    [JsonPropertyName("attempts")] public int Attempts { get; init; }

    /// <summary>The judge's last reply, verbatim.</summary>
    [JsonPropertyName("reply")] public string? Reply { get; init; }
}

/// <summary>Progress of a judged run.</summary>
/// <param name="Done">Items finished (resumed ones included).</param>
/// <param name="Total">Items in all.</param>
/// <param name="Failures">Items whose judgement failed so far.</param>
public readonly record struct JudgeProgress(int Done, int Total, int Failures);

/// <summary>Average ranks per model and criterion.</summary>
public sealed class JudgedRankingReport
{
    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Model → criterion → mean rank over the images judged (1 = best).</summary>
    [JsonPropertyName("average_ranks")] public Dictionary<string, Dictionary<string, double>> AverageRanks { get; init; } = [];

    /// <summary>Criteria in order.</summary>
    [JsonPropertyName("criteria")] public IReadOnlyList<string> Criteria { get; init; } = [];

    /// <summary>Images judged successfully.</summary>
    [JsonPropertyName("judged")] public int Judged { get; init; }

    /// <summary>Images whose every attempt was malformed.</summary>
    [JsonPropertyName("failures")] public int Failures { get; init; }

    /// <summary>Every image's judgement, in input order.</summary>
    [JsonPropertyName("judgements")] public IReadOnlyList<RankingJudgement> Judgements { get; init; } = [];

    /// <summary>The report as indented JSON.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);
}

/// <summary>
/// Ranks several models' descriptions of the same images with an LLM judge reached through
/// <see cref="IChatClient"/>, on the ViGoR paper's seven criteria (Table 1), and averages the ranks.
/// </summary>
/// <remarks>
/// <para>Per image, candidates are shuffled with a seeded generator (<see cref="JudgedRankingOptions.Seed"/>
/// and the image id) and shown as A, B, C...; the mapping is recorded. The judge must reply with one
/// JSON object giving, for every criterion, all labels best first. Anything else (missing or extra
/// criteria, a label missing, repeated or unknown, text around the object other than a code fence)
/// is malformed: the judge is told what was wrong and asked again, up to
/// <see cref="JudgedRankingOptions.MaxAttempts"/> calls, then the image is recorded as a failure and
/// left out of the averages. Errors of the chat client itself (network, authentication) propagate;
/// finished images are kept in the journal and the run resumes.</para>
/// <para>Not thread-safe: one run at a time per instance.</para>
/// </remarks>
public sealed class JudgedRanker
{
    private readonly IChatClient _judge;
    private readonly JudgedRankingOptions _options;
    private readonly ILogger _logger;

    /// <summary>Creates a ranker.</summary>
    public JudgedRanker(IChatClient judge, JudgedRankingOptions? options = null, ILogger<JudgedRanker>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(judge);
        _judge = judge;
        _options = options ?? new JudgedRankingOptions();
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        if (_options.Criteria.Count == 0)
        {
            throw new ArgumentException("At least one criterion is needed.", nameof(options));
        }
    }

    /// <summary>Judges every item (resuming from the journal) and averages the ranks.</summary>
    /// <exception cref="ArgumentException">An item has fewer than two candidates or repeats a model.</exception>
    public async Task<JudgedRankingReport> RankAsync(IReadOnlyList<RankingItem> items, IProgress<JudgeProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(items);
        foreach (var item in items)
        {
            if (item.Candidates.Count < 2)
            {
                throw new ArgumentException($"Image '{item.ImageId}' has {item.Candidates.Count} description(s); ranking needs at least two.", nameof(items));
            }

            if (item.Candidates.Select(c => c.Model).Distinct(StringComparer.Ordinal).Count() != item.Candidates.Count)
            {
                throw new ArgumentException($"Image '{item.ImageId}' has two descriptions from the same model.", nameof(items));
            }
        }

        var journal = new JudgeJournal<RankingJudgement>(_options.JournalPath, j => j.ImageId);
        var done = await journal.LoadAsync(cancellationToken);
        if (done.Count > 0)
        {
            _logger.LogInformation("Resuming judged ranking: {Count} images already judged.", done.Count);
        }

        var judgements = new List<RankingJudgement>(items.Count);
        var failures = 0;
        foreach (var item in items)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (!done.TryGetValue(item.ImageId, out var judgement))
            {
                judgement = await JudgeAsync(item, cancellationToken);
                await journal.AppendAsync(judgement, cancellationToken);
                if (judgement.Failure is not null)
                {
                    _logger.LogWarning("Judge failed on image {Image} after {Attempts} attempts: {Failure}", item.ImageId, judgement.Attempts, judgement.Failure);
                }
            }

            judgements.Add(judgement);
            failures += judgement.Failure is null ? 0 : 1;
            progress?.Report(new JudgeProgress(judgements.Count, items.Count, failures));
        }

        return Summarize(judgements, _options.Criteria.Select(c => c.Name).ToList());
    }

    /// <summary>Averages recorded judgements (e.g. a journal read back).</summary>
    public static JudgedRankingReport Summarize(IReadOnlyList<RankingJudgement> judgements, IReadOnlyList<string> criteria)
    {
        ArgumentNullException.ThrowIfNull(judgements);
        var sums = new Dictionary<string, Dictionary<string, (double Sum, int Count)>>(StringComparer.Ordinal);
        foreach (var judgement in judgements.Where(j => j.Ranks is not null))
        {
            foreach (var (criterion, ranks) in judgement.Ranks!)
            {
                foreach (var (model, rank) in ranks)
                {
                    if (!sums.TryGetValue(model, out var byCriterion))
                    {
                        byCriterion = new Dictionary<string, (double, int)>(StringComparer.Ordinal);
                        sums[model] = byCriterion;
                    }

                    var (sum, count) = byCriterion.GetValueOrDefault(criterion);
                    byCriterion[criterion] = (sum + rank, count + 1);
                }
            }
        }

        return new JudgedRankingReport
        {
            AverageRanks = sums.OrderBy(p => p.Key, StringComparer.Ordinal).ToDictionary(
                p => p.Key,
                p => criteria.Where(p.Value.ContainsKey).ToDictionary(c => c, c => p.Value[c].Sum / p.Value[c].Count)),
            Criteria = criteria,
            Judged = judgements.Count(j => j.Ranks is not null),
            Failures = judgements.Count(j => j.Ranks is null),
            Judgements = judgements,
        };
    }

    /// <summary>The candidates in the order the judge sees them for <paramref name="imageId"/> (seeded, stable across runs and platforms).</summary>
    public static IReadOnlyList<RankingCandidate> Shuffle(IReadOnlyList<RankingCandidate> candidates, string imageId, int seed)
    {
        ArgumentNullException.ThrowIfNull(candidates);
        ArgumentNullException.ThrowIfNull(imageId);

        // FNV-1a of the id: string.GetHashCode is randomised per process and would break resume.
        var hash = 2166136261u;
        foreach (var ch in imageId)
        {
            hash = (hash ^ ch) * 16777619u;
        }

        var random = new Random(unchecked((int)hash) ^ seed);
        var order = candidates.ToArray();
        for (var i = order.Length - 1; i > 0; i--)
        {
            var j = random.Next(i + 1);
            (order[i], order[j]) = (order[j], order[i]);
        }

        return order;
    }

    private async Task<RankingJudgement> JudgeAsync(RankingItem item, CancellationToken cancellationToken)
    {
        var shuffled = Shuffle(item.Candidates, item.ImageId, _options.Seed);
        var labels = Enumerable.Range(0, shuffled.Count).Select(Label).ToList();
        var mapping = labels.Select((l, i) => (l, shuffled[i].Model)).ToDictionary(p => p.l, p => p.Model, StringComparer.Ordinal);
        var messages = new List<ChatMessage>
        {
            new(ChatRole.System, "You are an impartial expert judge of image descriptions. You compare descriptions of the same image and rank them strictly on the criteria you are given."),
            new(ChatRole.User, await BuildPromptAsync(item, shuffled, labels, cancellationToken)),
        };

        string? reply = null;
        string? problem = null;
        var attempts = 0;
        var maxAttempts = Math.Max(1, _options.MaxAttempts);
        while (attempts < maxAttempts)
        {
            attempts++;
            var response = await _judge.GetResponseAsync(messages, _options.ChatOptions.Clone(), cancellationToken);
            reply = response.Text;
            if (TryParse(reply, labels, out var ranksByLabel, out problem))
            {
                var ranks = ranksByLabel.ToDictionary(
                    c => c.Key,
                    c => c.Value.ToDictionary(r => mapping[r.Key], r => r.Value, StringComparer.Ordinal),
                    StringComparer.Ordinal);
                return new RankingJudgement { ImageId = item.ImageId, Mapping = mapping, Ranks = ranks, Attempts = attempts, Reply = reply };
            }

            messages.Add(new ChatMessage(ChatRole.Assistant, reply));
            messages.Add(new ChatMessage(ChatRole.User, $"Your reply could not be used: {problem}. Reply again with only the JSON object described above."));
        }

        return new RankingJudgement { ImageId = item.ImageId, Mapping = mapping, Failure = problem, Attempts = attempts, Reply = reply };
    }

    private async Task<IList<AIContent>> BuildPromptAsync(RankingItem item, IReadOnlyList<RankingCandidate> shuffled, List<string> labels, CancellationToken cancellationToken)
    {
        var contents = new List<AIContent>();
        if (_options.SendImages && item.Image is { HasPixels: true } image)
        {
            contents.Add(await ImageContentAsync(image, cancellationToken));
        }

        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"Here are {shuffled.Count} descriptions of the same image");
        text.AppendLine(contents.Count > 0 ? " (shown above)." : ".");
        if (!string.IsNullOrWhiteSpace(item.Reference))
        {
            text.AppendLine().AppendLine("Reference information about the image (accurate but possibly incomplete):").AppendLine(item.Reference.Trim());
        }

        for (var i = 0; i < shuffled.Count; i++)
        {
            text.AppendLine().AppendLine(CultureInfo.InvariantCulture, $"Description {labels[i]}:").AppendLine(shuffled[i].Text.Trim());
        }

        text.AppendLine().AppendLine("Rank the descriptions from best to worst on each criterion:");
        foreach (var c in _options.Criteria)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"- {c.Name}: {c.Description}");
        }

        var example = "{" + string.Join(", ", _options.Criteria.Select(c => $"\"{c.Name}\": [{string.Join(", ", labels.Select(l => $"\"{l}\""))}]")) + "}";
        text.AppendLine().Append("Reply with only a JSON object with exactly these keys; each value lists every description letter once, best first, with no ties. Example of the form: ").AppendLine(example);
        contents.Add(new TextContent(text.ToString()));
        return contents;
    }

    private static async Task<AIContent> ImageContentAsync(ImageInput image, CancellationToken cancellationToken)
    {
        if (image.Path is { } path)
        {
            var mediaType = Path.GetExtension(path).ToLowerInvariant() switch
            {
                ".png" => "image/png",
                ".webp" => "image/webp",
                ".gif" => "image/gif",
                ".bmp" => "image/bmp",
                _ => "image/jpeg",
            };
            byte[] bytes;
            try
            {
                bytes = await File.ReadAllBytesAsync(path, cancellationToken);
            }
            catch (IOException e)
            {
                throw new ImageDecodeException(path, $"Cannot read image file '{path}': {e.Message}", e);
            }

            return new DataContent(bytes, mediaType);
        }

        return new DataContent(image.Decode().EncodePng(), "image/png");
    }

    /// <summary>Parses a judge reply strictly; <paramref name="problem"/> says what was wrong.</summary>
    internal bool TryParse(string reply, IReadOnlyList<string> labels, out Dictionary<string, Dictionary<string, int>> ranks, out string problem)
    {
        ranks = new Dictionary<string, Dictionary<string, int>>(StringComparer.Ordinal);
        var json = StripFence(reply.Trim());
        JsonElement root;
        try
        {
            using var doc = JsonDocument.Parse(json);
            root = doc.RootElement.Clone();
        }
        catch (JsonException)
        {
            problem = "it is not a single JSON object";
            return false;
        }

        if (root.ValueKind != JsonValueKind.Object)
        {
            problem = "it is not a JSON object";
            return false;
        }

        var expected = _options.Criteria.Select(c => c.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var property in root.EnumerateObject())
        {
            if (!expected.Contains(property.Name))
            {
                problem = $"unexpected key \"{property.Name}\"";
                return false;
            }
        }

        foreach (var criterion in _options.Criteria)
        {
            if (!root.TryGetProperty(criterion.Name, out var list) || list.ValueKind != JsonValueKind.Array)
            {
                problem = $"criterion \"{criterion.Name}\" is missing or not a list";
                return false;
            }

            var order = list.EnumerateArray().Select(e => e.ValueKind == JsonValueKind.String ? e.GetString()!.Trim() : null).ToList();
            if (order.Count != labels.Count || order.Any(l => l is null || !labels.Contains(l)) || order.Distinct(StringComparer.Ordinal).Count() != labels.Count)
            {
                problem = $"criterion \"{criterion.Name}\" must list each of {string.Join(", ", labels)} exactly once";
                return false;
            }

            ranks[criterion.Name] = order.Select((l, i) => (l!, i + 1)).ToDictionary(p => p.Item1, p => p.Item2, StringComparer.Ordinal);
        }

        problem = string.Empty;
        return true;
    }

    private static string StripFence(string text)
    {
        if (!text.StartsWith("```", StringComparison.Ordinal) || !text.EndsWith("```", StringComparison.Ordinal) || text.Length < 6)
        {
            return text;
        }

        var body = text[3..^3];
        var newline = body.IndexOf('\n', StringComparison.Ordinal);
        return newline >= 0 && body[..newline].Trim() is "" or "json" ? body[(newline + 1)..] : body;
    }

    private static string Label(int index) => index < 26
        ? ((char)('A' + index)).ToString()
        : string.Create(CultureInfo.InvariantCulture, $"A{index}");
}
