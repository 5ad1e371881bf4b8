using System.Text.Json;

namespace ViGoR;

/// <summary>Reads the images and prompts of a training run.</summary>
public static class TrainingDataset
{
    /// <summary>
    /// Reads JSON Lines with one image per line: an id (<c>id</c>, <c>image_id</c> or
    /// <c>question_id</c>; default the image file name), the image file (<c>image</c>, relative to
    /// <paramref name="imageRoot"/>; optional when components need only ids) and the prompt
    /// (<c>prompt</c> or <c>text</c>; default <paramref name="defaultPrompt"/>). Every line is checked
    /// before anything runs.
    /// </summary>
    /// <exception cref="InvalidDataException">A line is malformed, lacks an id and image, has no prompt, or repeats an id; the message names the file and line.</exception>
    public static IReadOnlyList<TrainingItem> ReadJsonLines(string path, string? imageRoot = null, string? defaultPrompt = null)
    {
        var items = new List<TrainingItem>();
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        var lineNumber = 0;
        foreach (var line in File.ReadLines(path))
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            JsonElement root;
            try
            {
                using var document = JsonDocument.Parse(line);
                root = document.RootElement.Clone();
            }
            catch (JsonException e)
            {
                throw new InvalidDataException($"{path}, line {lineNumber}: not valid JSON ({e.Message}).", e);
            }

            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new InvalidDataException($"{path}, line {lineNumber}: expected a JSON object.");
            }

            var image = GetString(root, path, lineNumber, "image");
            var id = GetString(root, path, lineNumber, "id") ?? GetString(root, path, lineNumber, "image_id") ?? GetString(root, path, lineNumber, "question_id") ?? (image is null ? null : Path.GetFileName(image));
            if (id is null)
            {
                throw new InvalidDataException($"{path}, line {lineNumber}: needs an 'id' (or 'image_id') or an 'image'.");
            }

            var prompt = GetString(root, path, lineNumber, "prompt") ?? GetString(root, path, lineNumber, "text") ?? defaultPrompt;
            if (string.IsNullOrWhiteSpace(prompt))
            {
                throw new InvalidDataException($"{path}, line {lineNumber}: field 'prompt' is missing or empty, and no default prompt was given.");
            }

            if (!seen.TryAdd(id, lineNumber))
            {
                throw new InvalidDataException($"{path}, line {lineNumber}: id '{id}' was already used on line {seen[id]}; ids must be unique.");
            }

            var input = image is null
                ? ImageInput.FromId(id)
                : ImageInput.FromFile(imageRoot is null ? image : Path.Combine(imageRoot, image), id);
            items.Add(new TrainingItem(input, prompt));
        }

        return items;
    }

    private static string? GetString(JsonElement root, string path, int lineNumber, string name)
    {
        if (!root.TryGetProperty(name, out var value))
        {
            return null;
        }

        return value.ValueKind switch
        {
            JsonValueKind.String => value.GetString(),
            JsonValueKind.Number => value.GetRawText(),
            JsonValueKind.Null => null,
            _ => throw new InvalidDataException($"{path}, line {lineNumber}: field '{name}' must be a string or a number, found {value.ValueKind}."),
        };
    }
}
