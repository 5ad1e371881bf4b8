using System.Text.Json;
using System.Text.Json.Serialization;

namespace ViGoR.Evaluation;

/// <summary>A generated caption to score.</summary>
/// <param name="ImageId">The COCO image (any spelling <see cref="CocoImageIds.Normalize"/> accepts).</param>
/// <param name="Text">The caption or description.</param>
/// <param name="Source">Where it came from ("file, line N"), for reports.</param>
public sealed record ChairCaption(string ImageId, string Text, string? Source = null);

/// <summary>One object mention in a caption's details.</summary>
public sealed record ChairMentionDetail(
    [property: JsonPropertyName("word")] string Word,
    [property: JsonPropertyName("category")] string Category,
    [property: JsonPropertyName("hallucinated")] bool Hallucinated,
    [property: JsonPropertyName("word_index")] int WordIndex);

/// <summary>Per-caption details, for inspection.</summary>
public sealed class ChairCaptionDetail
{
    /// <summary>The normalised image id.</summary>
    [JsonPropertyName("image_id")] public string ImageId { get; init; } = string.Empty;

    /// <summary>The caption.</summary>
    [JsonPropertyName("caption")] public string Caption { get; init; } = string.Empty;

    /// <summary>Where it came from, when known.</summary>
    [JsonPropertyName("source")] public string? Source { get; init; }

    /// <summary>Every COCO mention, in order.</summary>
    [JsonPropertyName("mentions")] public IReadOnlyList<ChairMentionDetail> Mentions { get; init; } = [];

    /// <summary>Categories mentioned that are not in the image.</summary>
    [JsonPropertyName("hallucinated_objects")] public IReadOnlyList<string> HallucinatedObjects { get; init; } = [];

    /// <summary>The image's ground-truth categories, sorted.</summary>
    [JsonPropertyName("ground_truth_objects")] public IReadOnlyList<string> GroundTruthObjects { get; init; } = [];

    /// <summary>Hallucinated mentions / mentions (0 when there are none).</summary>
    [JsonPropertyName("chair_i")] public double ChairI { get; init; }

    /// <summary>1 when the caption has a hallucinated mention.</summary>
    [JsonPropertyName("chair_s")] public int ChairS { get; init; }

    /// <summary>Ground-truth categories mentioned / ground-truth categories (0 when the image has none).</summary>
    [JsonPropertyName("recall")] public double Recall { get; init; }
}

/// <summary>CHAIR figures over a set of captions. Fractions are in 0..1.</summary>
public sealed class ChairReport
{
    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Hallucinated object mentions / all object mentions (repeats counted), CHAIR's CHAIRi.</summary>
    [JsonPropertyName("chair_i")] public double ChairI { get; init; }

    /// <summary>Captions with at least one hallucinated mention / captions scored, CHAIR's CHAIRs.</summary>
    [JsonPropertyName("chair_s")] public double ChairS { get; init; }

    /// <summary>
    /// Ground-truth categories that captions mention / ground-truth categories, summed over captions
    /// (each caption against its image's ground truth).
    /// </summary>
    [JsonPropertyName("recall")] public double Recall { get; init; }

    /// <summary>Captions scored.</summary>
    [JsonPropertyName("captions")] public int Captions { get; init; }

    /// <summary>Captions with a hallucination.</summary>
    [JsonPropertyName("hallucinated_captions")] public int HallucinatedCaptions { get; init; }

    /// <summary>Object mentions in all captions.</summary>
    [JsonPropertyName("mentions")] public int Mentions { get; init; }

    /// <summary>Hallucinated object mentions.</summary>
    [JsonPropertyName("hallucinated_mentions")] public int HallucinatedMentions { get; init; }

    /// <summary>Mean number of mentions per caption.</summary>
    [JsonPropertyName("mentions_per_caption")] public double MentionsPerCaption { get; init; }

    /// <summary>Captions skipped because their image has no ground truth, with their ids.</summary>
    [JsonPropertyName("captions_without_ground_truth")] public IReadOnlyList<string> CaptionsWithoutGroundTruth { get; init; } = [];

    /// <summary>Per-caption details (empty unless asked for).</summary>
    [JsonPropertyName("details")] public IReadOnlyList<ChairCaptionDetail> Details { get; init; } = [];

    /// <summary>The report as indented JSON.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);
}

/// <summary>
/// CHAIR (Rohrbach et al., 2018, "Object Hallucination in Image Captioning"): CHAIRi, CHAIRs and
/// recall of ground-truth objects, with CHAIR's object extraction (<see cref="ChairObjectExtractor"/>).
/// </summary>
/// <remarks>
/// As in CHAIR's <c>compute_chair</c>, every mention counts for CHAIRi (a caption saying "dog" twice
/// in an image without a dog has two hallucinated mentions), and a caption without mentions counts
/// as not hallucinated. Captions whose image has no ground truth are not scored (CHAIR would fail);
/// they are listed in <see cref="ChairReport.CaptionsWithoutGroundTruth"/>. Thread-safe.
/// </remarks>
public sealed class ChairEvaluator
{
    private readonly ChairObjectExtractor _extractor;

    /// <summary>Creates an evaluator with <paramref name="extractor"/> (default: CHAIR's settings).</summary>
    public ChairEvaluator(ChairObjectExtractor? extractor = null) => _extractor = extractor ?? new ChairObjectExtractor();

    /// <summary>Scores <paramref name="captions"/> against <paramref name="groundTruth"/>.</summary>
    /// <param name="captions">The captions.</param>
    /// <param name="groundTruth">Objects per image.</param>
    /// <param name="includeDetails">Keep per-caption details in the report.</param>
    public ChairReport Evaluate(IEnumerable<ChairCaption> captions, ChairGroundTruth groundTruth, bool includeDetails = true)
    {
        ArgumentNullException.ThrowIfNull(captions);
        ArgumentNullException.ThrowIfNull(groundTruth);
        int scored = 0, hallucinatedCaptions = 0, mentions = 0, hallucinatedMentions = 0, gtTotal = 0, gtCovered = 0;
        var missing = new List<string>();
        var details = new List<ChairCaptionDetail>();
        foreach (var caption in captions)
        {
            if (!groundTruth.TryGetObjects(caption.ImageId, out var gt))
            {
                missing.Add(caption.ImageId);
                continue;
            }

            var extraction = _extractor.Extract(caption.Text);
            var mentionDetails = extraction.Mentions.Select(m => new ChairMentionDetail(m.Word, m.Category, !gt.Contains(m.Category), m.TokenIndex)).ToList();
            var hallucinated = mentionDetails.Count(m => m.Hallucinated);
            var mentioned = extraction.Mentions.Select(m => m.Category).ToHashSet(StringComparer.Ordinal);
            var covered = gt.Count(mentioned.Contains);

            scored++;
            mentions += mentionDetails.Count;
            hallucinatedMentions += hallucinated;
            hallucinatedCaptions += hallucinated > 0 ? 1 : 0;
            gtTotal += gt.Count;
            gtCovered += covered;
            if (includeDetails)
            {
                details.Add(new ChairCaptionDetail
                {
                    ImageId = CocoImageIds.Normalize(caption.ImageId),
                    Caption = caption.Text,
                    Source = caption.Source,
                    Mentions = mentionDetails,
                    HallucinatedObjects = mentionDetails.Where(m => m.Hallucinated).Select(m => m.Category).Distinct().ToList(),
                    GroundTruthObjects = gt.Order(StringComparer.Ordinal).ToList(),
                    ChairI = mentionDetails.Count == 0 ? 0 : (double)hallucinated / mentionDetails.Count,
                    ChairS = hallucinated > 0 ? 1 : 0,
                    Recall = gt.Count == 0 ? 0 : (double)covered / gt.Count,
                });
            }
        }

        return new ChairReport
        {
            ChairI = mentions == 0 ? 0 : (double)hallucinatedMentions / mentions,
            ChairS = scored == 0 ? 0 : (double)hallucinatedCaptions / scored,
            Recall = gtTotal == 0 ? 0 : (double)gtCovered / gtTotal,
            Captions = scored,
            HallucinatedCaptions = hallucinatedCaptions,
            Mentions = mentions,
            HallucinatedMentions = hallucinatedMentions,
            MentionsPerCaption = scored == 0 ? 0 : (double)mentions / scored,
            CaptionsWithoutGroundTruth = missing,
            Details = details,
        };
    }

    /// <summary>
    /// Reads captions to score: JSON Lines with an image (<c>image_id</c> or <c>image</c>) and a text
    /// (<c>text</c>, <c>caption</c> or <c>answer</c>) per line (POPE's caption files, LLaVA answer
    /// files); or a JSON array of such objects; or CHAIR's own <c>{"imgToEval": {..: {image_id, caption}}}</c>.
    /// </summary>
    /// <exception cref="InvalidDataException">A line or entry lacks an image or a text (file and line or index given).</exception>
    public static async Task<IReadOnlyList<ChairCaption>> LoadCaptionsAsync(string path, CancellationToken cancellationToken = default)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"File not found: '{path}'.", path);
        }

        var text = await File.ReadAllTextAsync(path, cancellationToken);
        var trimmed = text.TrimStart();
        var captions = new List<ChairCaption>();
        List<JsonElement>? items = null;
        if (trimmed.StartsWith('['))
        {
            try
            {
                using var doc = JsonDocument.Parse(text);
                items = doc.RootElement.EnumerateArray().Select(e => e.Clone()).ToList();
            }
            catch (JsonException e)
            {
                throw new InvalidDataException($"{path}: not valid JSON ({e.Message}).", e);
            }
        }
        else if (trimmed.StartsWith('{') && trimmed.Contains("\"imgToEval\"", StringComparison.Ordinal))
        {
            try
            {
                using var doc = JsonDocument.Parse(text);
                if (doc.RootElement.TryGetProperty("imgToEval", out var byImage) && byImage.ValueKind == JsonValueKind.Object)
                {
                    items = byImage.EnumerateObject().Select(p => p.Value.Clone()).ToList();
                }
            }
            catch (JsonException)
            {
                // Not one JSON document: read it as JSON Lines below.
            }
        }

        if (items is not null)
        {
            for (var i = 0; i < items.Count; i++)
            {
                captions.Add(ToCaption(new JsonLine(path, i + 1, items[i]), $"{path}, entry {i + 1}"));
            }

            return captions;
        }

        foreach (var line in JsonLines.Parse(text, path))
        {
            captions.Add(ToCaption(line, line.Where));
        }

        return captions;
    }

    private static ChairCaption ToCaption(JsonLine line, string where)
    {
        var image = line.TryGetId("image_id") ?? line.TryGetString("image") ?? throw new InvalidDataException($"{where}: needs 'image_id' or 'image'.");
        var text = line.TryGetString("text") ?? line.TryGetString("caption") ?? line.TryGetString("answer") ?? throw new InvalidDataException($"{where}: needs 'text', 'caption' or 'answer'.");
        return new ChairCaption(image, text, where);
    }
}
