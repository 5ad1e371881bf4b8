using ViGoR.Evaluation;

namespace ViGoR;

/// <summary>Reads the images and prompts of a training run.</summary>
public static class TrainingDataset
{
    /// <summary>
    /// Reads JSON Lines with one image per line: an id (<c>id</c>, <c>image_id</c> or
    /// <c>question_id</c>; default the image file name), the image file (<c>image</c>, relative to
    /// <paramref name="imageRoot"/>; optional when no component needs pixels, see below) and the
    /// prompt (<c>prompt</c> or <c>text</c>; default <paramref name="defaultPrompt"/>). Every line is
    /// checked before anything runs; image files are not opened here.
    /// </summary>
    /// <remarks>
    /// <para>Which components open the image file (an item with a file that is missing or unreadable then
    /// becomes a failed record, logged with its reason and counted): <c>LlavaVisionLanguageModel</c>
    /// (sampling), <c>LlavaSentenceRewardModel</c> and <c>GroundingDinoDetector</c> always;
    /// <c>AnnotationGroundingDetector</c> only for normalised boxes (LLaVA <c>caps_boxes</c>) of an image
    /// whose annotations give no width and height (COCO instances always give them).</para>
    /// <para>Which need only the id: <see cref="RecordedVisionLanguageModel"/> and
    /// <see cref="RecordedSentenceRewardModel"/> (which also looks judgements up by the file name).
    /// A run made of these alone works without the files: give items with
    /// <see cref="ImageInput.FromId"/>, or leave <c>image</c> out.</para>
    /// </remarks>
    /// <exception cref="InvalidDataException">A line is malformed, lacks an id and image, has no prompt, or repeats an id; the message names the file and line.</exception>
    public static IReadOnlyList<TrainingItem> ReadJsonLines(string path, string? imageRoot = null, string? defaultPrompt = null)
    {
        var items = new List<TrainingItem>();
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var line in JsonLines.Parse(File.ReadAllText(path), path))
        {
            if (line.Value.ValueKind != System.Text.Json.JsonValueKind.Object)
            {
                throw new InvalidDataException($"{line.Where}: expected a JSON object.");
            }

            var image = line.TryGetString("image");
            var id = line.TryGetId("id") ?? line.TryGetId("image_id") ?? line.TryGetId("question_id") ?? (image is null ? null : Path.GetFileName(image))
                ?? throw new InvalidDataException($"{line.Where}: needs an 'id' (or 'image_id') or an 'image'.");
            var prompt = line.TryGetString("prompt") ?? line.TryGetString("text") ?? defaultPrompt;
            if (string.IsNullOrWhiteSpace(prompt))
            {
                throw new InvalidDataException($"{line.Where}: field 'prompt' is missing or empty, and no default prompt was given.");
            }

            if (!seen.TryAdd(id, line.Line))
            {
                throw new InvalidDataException($"{line.Where}: id '{id}' was already used on line {seen[id]}; ids must be unique.");
            }

            var input = image is null
                ? ImageInput.FromId(id)
                : ImageInput.FromFile(imageRoot is null ? image : Path.Combine(imageRoot, image), id);
            items.Add(new TrainingItem(input, prompt));
        }

        return items;
    }
}
