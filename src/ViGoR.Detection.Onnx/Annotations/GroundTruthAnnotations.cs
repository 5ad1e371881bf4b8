using System.Globalization;
using System.Text.Json;

namespace ViGoR;

/// <summary>One annotated object: its category name as the file spells it and its box.</summary>
/// <param name="Category">Category name, lower case.</param>
/// <param name="Box">Corners: pixels, or fractions of the image size when <see cref="AnnotatedImage.BoxesNormalised"/>.</param>
public sealed record AnnotatedObject(string Category, BoundingBox Box);

/// <summary>The ground truth of one image.</summary>
/// <param name="FileName">The image file name (e.g. <c>000000296284.jpg</c>).</param>
/// <param name="Id">The id the file gives (COCO numeric id, LLaVA id string).</param>
/// <param name="Width">Width in pixels when the file gives it.</param>
/// <param name="Height">Height in pixels when the file gives it.</param>
/// <param name="BoxesNormalised">True when boxes are fractions (0..1) of the image size (LLaVA caps_boxes).</param>
/// <param name="Objects">The annotated objects.</param>
public sealed record AnnotatedImage(string FileName, string Id, int? Width, int? Height, bool BoxesNormalised, IReadOnlyList<AnnotatedObject> Objects);

/// <summary>
/// Ground-truth boxes read from a COCO instances JSON file (<c>images</c>, <c>annotations</c>,
/// <c>categories</c>; bbox x, y, w, h in pixels) or a LLaVA <c>caps_boxes</c> JSON Lines file (one
/// image a line: <c>id</c>, <c>image</c>, <c>instances</c> of <c>category</c> and <c>bbox</c> as
/// normalised x1, y1, x2, y2). Images are found by file name, file name without extension, or
/// numeric id (also the trailing digits of names like <c>COCO_val2014_000000296284.jpg</c>).
/// </summary>
/// <remarks>Immutable and thread-safe.</remarks>
public sealed class GroundTruthAnnotations
{
    private readonly Dictionary<string, AnnotatedImage> _byName = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<long, AnnotatedImage> _byNumber = [];

    private GroundTruthAnnotations(string source, IReadOnlyList<AnnotatedImage> images)
    {
        Source = source;
        Images = images;
        foreach (var image in images)
        {
            _byName.TryAdd(image.FileName, image);
            _byName.TryAdd(Path.GetFileNameWithoutExtension(image.FileName), image);
            _byName.TryAdd(image.Id, image);
            if ((TrailingNumber(image.Id) ?? TrailingNumber(Path.GetFileNameWithoutExtension(image.FileName))) is { } number)
            {
                _byNumber.TryAdd(number, image);
            }
        }
    }

    /// <summary>The file the annotations came from.</summary>
    public string Source { get; }

    /// <summary>All annotated images in file order.</summary>
    public IReadOnlyList<AnnotatedImage> Images { get; }

    /// <summary>Reads <paramref name="path"/>: JSON Lines when it ends in <c>.jsonl</c> or its first line is a whole JSON object with <c>instances</c>, else COCO JSON.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is malformed; the message names the file and the line or field.</exception>
    public static GroundTruthAnnotations Load(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"Annotations file '{path}' does not exist.", path);
        }

        if (path.EndsWith(".jsonl", StringComparison.OrdinalIgnoreCase) || LooksLikeJsonLines(path))
        {
            using var reader = File.OpenText(path);
            return ParseLlavaJsonLines(reader, path);
        }

        return ParseCoco(File.ReadAllText(path), path);
    }

    /// <summary>Finds the image whose file name, name without extension or numeric id is <paramref name="imageId"/>.</summary>
    public bool TryFind(string imageId, out AnnotatedImage image)
    {
        ArgumentNullException.ThrowIfNull(imageId);
        var name = Path.GetFileName(imageId);
        if (_byName.TryGetValue(imageId, out image!) || _byName.TryGetValue(name, out image!)
            || _byName.TryGetValue(Path.GetFileNameWithoutExtension(name), out image!))
        {
            return true;
        }

        if (TrailingNumber(Path.GetFileNameWithoutExtension(name)) is { } number && _byNumber.TryGetValue(number, out image!))
        {
            return true;
        }

        image = null!;
        return false;
    }

    /// <summary>Parses LLaVA caps_boxes JSON Lines.</summary>
    public static GroundTruthAnnotations ParseLlavaJsonLines(TextReader reader, string sourceName)
    {
        var images = new List<AnnotatedImage>();
        var lineNumber = 0;
        while (reader.ReadLine() is { } line)
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            string Where() => $"{sourceName}, line {lineNumber}";
            try
            {
                using var doc = JsonDocument.Parse(line);
                var root = doc.RootElement;
                if (root.ValueKind != JsonValueKind.Object)
                {
                    throw new InvalidDataException($"{Where()}: expected a JSON object.");
                }

                var file = OptionalString(root, "image") ?? OptionalString(root, "file_name");
                var id = OptionalString(root, "id") ?? (root.TryGetProperty("id", out var nid) && nid.ValueKind == JsonValueKind.Number ? nid.GetRawText() : null);
                if (file is null && id is null)
                {
                    throw new InvalidDataException($"{Where()}: needs 'image' (file name) or 'id'.");
                }

                if (!root.TryGetProperty("instances", out var instances) || instances.ValueKind != JsonValueKind.Array)
                {
                    throw new InvalidDataException($"{Where()}: field 'instances' must be a list of {{\"category\", \"bbox\"}}.");
                }

                var objects = new List<AnnotatedObject>();
                var k = 0;
                foreach (var instance in instances.EnumerateArray())
                {
                    var field = $"instances[{k}]";
                    var category = OptionalString(instance, "category")
                        ?? throw new InvalidDataException($"{Where()}: {field}.category must be a string.");
                    var b = Numbers(instance, "bbox", 4) ?? throw new InvalidDataException($"{Where()}: {field}.bbox must be 4 numbers (normalised x1, y1, x2, y2).");
                    objects.Add(new AnnotatedObject(category.Trim().ToLowerInvariant(), new BoundingBox(b[0], b[1], b[2], b[3])));
                    k++;
                }

                images.Add(new AnnotatedImage(file ?? id!, id ?? Path.GetFileNameWithoutExtension(file!), null, null, true, objects));
            }
            catch (JsonException e)
            {
                throw new InvalidDataException($"{Where()}: not valid JSON: {e.Message}", e);
            }
        }

        return new GroundTruthAnnotations(sourceName, images);
    }

    /// <summary>Parses a COCO instances JSON document.</summary>
    public static GroundTruthAnnotations ParseCoco(string json, string sourceName)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(json);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{sourceName}, line {e.LineNumber + 1}: not valid JSON: {e.Message}", e);
        }

        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new InvalidDataException($"{sourceName}: expected a COCO instances object with 'images', 'annotations' and 'categories'.");
            }

            JsonElement Array(string name) => root.TryGetProperty(name, out var a) && a.ValueKind == JsonValueKind.Array
                ? a
                : throw new InvalidDataException($"{sourceName}: field '{name}' must be a list (COCO instances format).");

            var categories = new Dictionary<long, string>();
            var i = 0;
            foreach (var c in Array("categories").EnumerateArray())
            {
                var id = Long(c, "id") ?? throw new InvalidDataException($"{sourceName}: categories[{i}].id must be an integer.");
                var name = OptionalString(c, "name") ?? throw new InvalidDataException($"{sourceName}: categories[{i}].name must be a string.");
                categories[id] = name.Trim().ToLowerInvariant();
                i++;
            }

            var objects = new Dictionary<long, List<AnnotatedObject>>();
            i = 0;
            foreach (var a in Array("annotations").EnumerateArray())
            {
                var field = $"annotations[{i}]";
                var imageId = Long(a, "image_id") ?? throw new InvalidDataException($"{sourceName}: {field}.image_id must be an integer.");
                var categoryId = Long(a, "category_id") ?? throw new InvalidDataException($"{sourceName}: {field}.category_id must be an integer.");
                if (!categories.TryGetValue(categoryId, out var category))
                {
                    throw new InvalidDataException($"{sourceName}: {field}.category_id {categoryId} is not in 'categories'.");
                }

                var b = Numbers(a, "bbox", 4) ?? throw new InvalidDataException($"{sourceName}: {field}.bbox must be 4 numbers (x, y, width, height in pixels).");
                if (!objects.TryGetValue(imageId, out var list))
                {
                    objects[imageId] = list = [];
                }

                list.Add(new AnnotatedObject(category, new BoundingBox(b[0], b[1], b[0] + b[2], b[1] + b[3])));
                i++;
            }

            var images = new List<AnnotatedImage>();
            i = 0;
            foreach (var im in Array("images").EnumerateArray())
            {
                var id = Long(im, "id") ?? throw new InvalidDataException($"{sourceName}: images[{i}].id must be an integer.");
                var file = OptionalString(im, "file_name") ?? id.ToString(CultureInfo.InvariantCulture);
                var width = Long(im, "width");
                var height = Long(im, "height");
                images.Add(new AnnotatedImage(
                    file,
                    id.ToString(CultureInfo.InvariantCulture),
                    (int?)width,
                    (int?)height,
                    false,
                    objects.TryGetValue(id, out var list) ? list : []));
                i++;
            }

            return new GroundTruthAnnotations(sourceName, images);
        }
    }

    private static bool LooksLikeJsonLines(string path)
    {
        using var reader = File.OpenText(path);
        var first = reader.ReadLine();
        if (first is null || !first.TrimStart().StartsWith('{'))
        {
            return false;
        }

        try
        {
            using var doc = JsonDocument.Parse(first);
            return doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("instances", out _);
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static long? TrailingNumber(string text)
    {
        var end = text.Length;
        var start = end;
        while (start > 0 && char.IsAsciiDigit(text[start - 1]))
        {
            start--;
        }

        return start < end && long.TryParse(text.AsSpan(start, end - start), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : null;
    }

    private static string? OptionalString(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static long? Long(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out var n) ? n : null;

    private static float[]? Numbers(JsonElement e, string name, int count)
    {
        if (e.ValueKind != JsonValueKind.Object || !e.TryGetProperty(name, out var v) || v.ValueKind != JsonValueKind.Array || v.GetArrayLength() != count)
        {
            return null;
        }

        var result = new float[count];
        var i = 0;
        foreach (var x in v.EnumerateArray())
        {
            if (x.ValueKind != JsonValueKind.Number)
            {
                return null;
            }

            result[i++] = (float)x.GetDouble();
        }

        return result;
    }
}
