using System.Text;
using System.Text.Json;
using ViGoR.Torch.Tokenization;
using ViGoR.Torch.Training;

namespace ViGoR.Torch.Rewards;

/// <summary>
/// What a reward-model folder was trained to do, stored next to the weights as <c>vigor_reward.json</c>
/// (written by <c>vigor train-reward</c>, read by <see cref="LlavaSentenceRewardModel.Load"/>):
/// <code>
/// {
///   "kind": "fine_grained",                 // or "holistic"
///   "prompt_template": "Assess the accuracy of the last sentence ... number.\n{description}",
///   "labels": {
///     "1": { "score": 1, "error": null, "creative": false },
///     "2": { "score": 2, "error": null, "creative": true },
///     "3": { "score": -1, "error": "object_hallucination", "creative": false }
///   }
/// }
/// </code>
/// <c>error</c> is a snake_case <see cref="SentenceErrorKind"/> (<see cref="SentenceErrorKindNames"/>) or null;
/// <c>error</c> and <c>creative</c> may be omitted (null, false).
/// </summary>
/// <param name="Kind"><see cref="FineGrained"/> (one judgement per sentence) or <see cref="Holistic"/> (one per description).</param>
/// <param name="PromptTemplate">The user turn the model was trained on, with <c>{description}</c> (and optionally <c>{prompt}</c>).</param>
/// <param name="Labels">Reply → meaning, in the scheme's order.</param>
public sealed record RewardModelMetadata(string Kind, string PromptTemplate, IReadOnlyDictionary<string, RewardLabel> Labels)
{
    /// <summary>The file's name inside a model folder.</summary>
    public const string FileName = "vigor_reward.json";

    /// <summary><see cref="Kind"/> of a per-sentence reward model.</summary>
    public const string FineGrained = "fine_grained";

    /// <summary><see cref="Kind"/> of a whole-description reward model.</summary>
    public const string Holistic = "holistic";

    /// <summary>True when <see cref="Kind"/> is <see cref="Holistic"/>.</summary>
    public bool IsHolistic => Kind == Holistic;

    /// <summary>The metadata of a model trained on <paramref name="scheme"/> with <paramref name="promptTemplate"/>.</summary>
    /// <exception cref="ArgumentException"><paramref name="kind"/> is not <see cref="FineGrained"/> or <see cref="Holistic"/>, or the template lacks <c>{description}</c>.</exception>
    public static RewardModelMetadata For(RewardLabelScheme scheme, string kind, string promptTemplate)
    {
        ArgumentNullException.ThrowIfNull(scheme);
        ArgumentNullException.ThrowIfNull(promptTemplate);
        if (kind is not (FineGrained or Holistic))
        {
            throw new ArgumentException($"Reward-model kind must be '{FineGrained}' or '{Holistic}', not '{kind}'.", nameof(kind));
        }

        if (!promptTemplate.Contains("{description}", StringComparison.Ordinal))
        {
            throw new ArgumentException("The prompt template must contain {description}.", nameof(promptTemplate));
        }

        var labels = new Dictionary<string, RewardLabel>(StringComparer.Ordinal);
        foreach (var (label, judgement, creative) in scheme.Labels)
        {
            labels[label] = new RewardLabel(judgement.Score, SentenceErrorKindNames.ToName(judgement.Error), creative);
        }

        return new RewardModelMetadata(kind, promptTemplate, labels);
    }

    /// <summary>The label scheme these labels describe.</summary>
    /// <exception cref="ArgumentException">An error name is unknown or the labels do not form a scheme (see <see cref="RewardLabelScheme"/>).</exception>
    public RewardLabelScheme ToScheme() => new(Labels.Select(kv => (
        kv.Key,
        new SentenceJudgement(kv.Value.Score, SentenceErrorKindNames.TryParse(kv.Value.Error, out var kind)
            ? kind
            : throw new ArgumentException($"Label '{kv.Key}': error must be {SentenceErrorKindNames.Accepted}, not '{kv.Value.Error}'.", nameof(Labels))),
        kv.Value.Creative)));

    /// <summary>Reads <c>vigor_reward.json</c> from <paramref name="modelDirectory"/>; null when the folder has none.</summary>
    /// <exception cref="InvalidDataException">The file is malformed; the message names the file and the field.</exception>
    public static RewardModelMetadata? Load(string modelDirectory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(modelDirectory);
        var path = Path.Combine(modelDirectory, FileName);
        if (!File.Exists(path))
        {
            return null;
        }

        using (var doc = LlavaTokenizer.ParseJson(path))
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new InvalidDataException($"{path}: expected a JSON object.");
            }

            var kind = RequiredString(root, "kind");
            var template = RequiredString(root, "prompt_template");
            if (!root.TryGetProperty("labels", out var labelsElement) || labelsElement.ValueKind != JsonValueKind.Object)
            {
                throw new InvalidDataException($"{path}: field 'labels' must be an object of label → {{score, error, creative}}.");
            }

            var labels = new Dictionary<string, RewardLabel>(StringComparer.Ordinal);
            foreach (var p in labelsElement.EnumerateObject())
            {
                var field = $"labels.{p.Name}";
                if (p.Value.ValueKind != JsonValueKind.Object)
                {
                    throw new InvalidDataException($"{path}: field '{field}' must be an object {{score, error, creative}}.");
                }

                if (!p.Value.TryGetProperty("score", out var score) || score.ValueKind != JsonValueKind.Number || !double.IsFinite(score.GetDouble()))
                {
                    throw new InvalidDataException($"{path}: field '{field}.score' must be a finite number.");
                }

                string? error = null;
                if (p.Value.TryGetProperty("error", out var e) && e.ValueKind != JsonValueKind.Null)
                {
                    error = e.ValueKind == JsonValueKind.String && SentenceErrorKindNames.TryParse(e.GetString(), out _)
                        ? e.GetString()
                        : throw new InvalidDataException($"{path}: field '{field}.error' must be {SentenceErrorKindNames.Accepted}, not {e.GetRawText()}.");
                }

                bool creative = false;
                if (p.Value.TryGetProperty("creative", out var c))
                {
                    creative = c.ValueKind is JsonValueKind.True or JsonValueKind.False
                        ? c.GetBoolean()
                        : throw new InvalidDataException($"{path}: field '{field}.creative' must be true or false.");
                }

                if (!labels.TryAdd(p.Name, new RewardLabel(score.GetDouble(), error, creative)))
                {
                    throw new InvalidDataException($"{path}: field '{field}' appears twice.");
                }
            }

            if (labels.Count == 0)
            {
                throw new InvalidDataException($"{path}: field 'labels' is empty.");
            }

            try
            {
                var metadata = For(new RewardModelMetadata(kind, template, labels).ToScheme(), kind, template);
                return metadata with { Labels = labels };
            }
            catch (ArgumentException ex)
            {
                var field = ex.ParamName switch { "kind" => "kind", "promptTemplate" => "prompt_template", _ => "labels" };
                throw new InvalidDataException($"{path}: field '{field}': {ex.Message}", ex);
            }

            string RequiredString(JsonElement element, string name) =>
                element.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String
                    ? v.GetString()!
                    : throw new InvalidDataException($"{path}: field '{name}' must be a string.");
        }
    }

    /// <summary>Writes <c>vigor_reward.json</c> into <paramref name="modelDirectory"/> (through a temporary file, so a reader never sees half of it).</summary>
    public void Save(string modelDirectory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(modelDirectory);
        Directory.CreateDirectory(modelDirectory);
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteString("kind", Kind);
            json.WriteString("prompt_template", PromptTemplate);
            json.WriteStartObject("labels");
            foreach (var (label, meaning) in Labels)
            {
                json.WriteStartObject(label);
                json.WriteNumber("score", meaning.Score);
                json.WriteString("error", meaning.Error);
                json.WriteBoolean("creative", meaning.Creative);
                json.WriteEndObject();
            }

            json.WriteEndObject();
            json.WriteEndObject();
        }

        AtomicFile.WriteAllText(Path.Combine(modelDirectory, FileName), Encoding.UTF8.GetString(buffer.ToArray()) + "\n");
    }
}

/// <summary>What one reply label means in <see cref="RewardModelMetadata"/>.</summary>
/// <param name="Score">The judgement's score (negative = error).</param>
/// <param name="Error">The snake_case error kind, or null for a correct sentence.</param>
/// <param name="Creative">True for the "correct and creative" label.</param>
public sealed record RewardLabel(double Score, string? Error, bool Creative);
