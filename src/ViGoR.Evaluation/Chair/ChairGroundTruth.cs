using System.Text.Json;

namespace ViGoR.Evaluation;

/// <summary>
/// The COCO categories present in each image, as CHAIR builds them: from instance annotations
/// (segmentations or boxes) and, optionally, from the objects that human reference captions mention.
/// Image ids are normalised with <see cref="CocoImageIds.Normalize"/>.
/// </summary>
/// <remarks>Not thread-safe while loading; read-only use afterwards is safe.</remarks>
public sealed class ChairGroundTruth
{
    private readonly Dictionary<string, HashSet<string>> _objects = new(StringComparer.Ordinal);

    /// <summary>Images with ground truth.</summary>
    public IReadOnlyCollection<string> ImageIds => _objects.Keys;

    /// <summary>The categories of <paramref name="imageId"/>, or false when it has no ground truth.</summary>
    public bool TryGetObjects(string imageId, out IReadOnlySet<string> categories)
    {
        if (_objects.TryGetValue(CocoImageIds.Normalize(imageId), out var set))
        {
            categories = set;
            return true;
        }

        categories = new HashSet<string>();
        return false;
    }

    /// <summary>Adds categories to an image (creating its entry even when <paramref name="categories"/> is empty).</summary>
    public void Add(string imageId, IEnumerable<string> categories)
    {
        var key = CocoImageIds.Normalize(imageId);
        if (!_objects.TryGetValue(key, out var set))
        {
            set = new HashSet<string>(StringComparer.Ordinal);
            _objects.Add(key, set);
        }

        set.UnionWith(categories);
    }

    /// <summary>
    /// Adds the objects of COCO instance annotations (<c>instances_val2014.json</c>: <c>categories</c>
    /// with <c>id, name</c>; <c>annotations</c> with <c>image_id, category_id</c>). Every image listed
    /// under <c>images</c> gets an entry, even one without annotations.
    /// </summary>
    /// <exception cref="InvalidDataException">The file is not COCO instances JSON, or names a category outside the vocabulary.</exception>
    public async Task LoadCocoInstancesAsync(string path, CocoVocabulary? vocabulary = null, CancellationToken cancellationToken = default)
    {
        vocabulary ??= CocoVocabulary.Default;
        using var doc = await ReadJsonAsync(path, cancellationToken);
        var root = doc.RootElement;
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("categories", out var categories) || !root.TryGetProperty("annotations", out var annotations))
        {
            throw new InvalidDataException($"{path}: not COCO instances JSON (needs 'categories' and 'annotations').");
        }

        var names = new Dictionary<long, string>();
        var index = 0;
        foreach (var c in categories.EnumerateArray())
        {
            var name = c.TryGetProperty("name", out var n) ? n.GetString() : null;
            if (!c.TryGetProperty("id", out var id) || !id.TryGetInt64(out var idValue) || name is null)
            {
                throw new InvalidDataException($"{path}: categories[{index}] needs 'id' and 'name'.");
            }

            names[idValue] = vocabulary.TryGetCategory(name, out var category)
                ? category
                : throw new InvalidDataException($"{path}: category '{name}' is not in the COCO vocabulary.");
            index++;
        }

        if (root.TryGetProperty("images", out var images))
        {
            foreach (var image in images.EnumerateArray())
            {
                if (image.TryGetProperty("id", out var id))
                {
                    Add(id.ToString(), []);
                }
            }
        }

        index = 0;
        foreach (var a in annotations.EnumerateArray())
        {
            if (!a.TryGetProperty("image_id", out var imageId) || !a.TryGetProperty("category_id", out var categoryId) || !categoryId.TryGetInt64(out var cid))
            {
                throw new InvalidDataException($"{path}: annotations[{index}] needs 'image_id' and 'category_id'.");
            }

            if (!names.TryGetValue(cid, out var category))
            {
                throw new InvalidDataException($"{path}: annotations[{index}] has category_id {cid}, which 'categories' does not list.");
            }

            Add(imageId.ToString(), [category]);
            index++;
        }
    }

    /// <summary>
    /// Adds the objects that COCO reference captions mention (<c>captions_val2014.json</c>:
    /// <c>annotations</c> with <c>image_id, caption</c>), extracted with <paramref name="extractor"/>,
    /// as CHAIR does for the images already loaded. Captions of other images are ignored.
    /// </summary>
    public async Task LoadCocoCaptionsAsync(string path, ChairObjectExtractor extractor, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(extractor);
        using var doc = await ReadJsonAsync(path, cancellationToken);
        if (!doc.RootElement.TryGetProperty("annotations", out var annotations))
        {
            throw new InvalidDataException($"{path}: not COCO captions JSON (needs 'annotations').");
        }

        var index = 0;
        foreach (var a in annotations.EnumerateArray())
        {
            if (!a.TryGetProperty("image_id", out var imageId) || !a.TryGetProperty("caption", out var caption) || caption.ValueKind != JsonValueKind.String)
            {
                throw new InvalidDataException($"{path}: annotations[{index}] needs 'image_id' and a string 'caption'.");
            }

            var key = CocoImageIds.Normalize(imageId.ToString());
            if (_objects.ContainsKey(key))
            {
                Add(key, extractor.Extract(caption.GetString()!).Mentions.Select(m => m.Category));
            }

            index++;
        }
    }

    /// <summary>
    /// Adds LLaVA's <c>caps_boxes</c> JSON Lines (<c>id, image, captions, instances[{category, bbox}]</c>):
    /// the instance categories and, when <paramref name="captionExtractor"/> is given, the objects the
    /// human captions mention.
    /// </summary>
    /// <exception cref="InvalidDataException">A line is malformed or names a category outside the vocabulary (file and line given).</exception>
    public async Task LoadCapsBoxesAsync(string path, ChairObjectExtractor? captionExtractor = null, CocoVocabulary? vocabulary = null, CancellationToken cancellationToken = default)
    {
        vocabulary ??= captionExtractor?.Vocabulary ?? CocoVocabulary.Default;
        await foreach (var line in JsonLines.ReadAsync(path, cancellationToken: cancellationToken))
        {
            var id = line.TryGetId("id") ?? line.TryGetString("image") ?? throw new InvalidDataException($"{line.Where}: needs 'id' or 'image'.");
            if (!line.Value.TryGetProperty("instances", out var instances) || instances.ValueKind != JsonValueKind.Array)
            {
                throw new InvalidDataException($"{line.Where}: needs an 'instances' array.");
            }

            var categories = new List<string>();
            foreach (var instance in instances.EnumerateArray())
            {
                var name = instance.TryGetProperty("category", out var c) && c.ValueKind == JsonValueKind.String ? c.GetString()! : throw new InvalidDataException($"{line.Where}: an instance has no 'category'.");
                categories.Add(vocabulary.TryGetCategory(name, out var category) ? category : throw new InvalidDataException($"{line.Where}: category '{name}' is not in the COCO vocabulary."));
            }

            Add(id, categories);
            if (captionExtractor is not null && line.Value.TryGetProperty("captions", out var captions) && captions.ValueKind == JsonValueKind.Array)
            {
                foreach (var caption in captions.EnumerateArray())
                {
                    if (caption.ValueKind == JsonValueKind.String)
                    {
                        Add(id, captionExtractor.Extract(caption.GetString()!).Mentions.Select(m => m.Category));
                    }
                }
            }
        }
    }

    private static async Task<JsonDocument> ReadJsonAsync(string path, CancellationToken cancellationToken)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"File not found: '{path}'.", path);
        }

        await using var stream = File.OpenRead(path);
        try
        {
            return await JsonDocument.ParseAsync(stream, cancellationToken: cancellationToken);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not valid JSON ({e.Message}).", e);
        }
    }
}
