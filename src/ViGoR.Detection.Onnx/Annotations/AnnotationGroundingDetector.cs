using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace ViGoR;

/// <summary>What <see cref="AnnotationGroundingDetector.DetectWithDetailsAsync"/> found.</summary>
/// <param name="Detections">One detection per annotated box of each matched category (score 1), supporting every requested phrase that names the category.</param>
/// <param name="BoxesNormalised">
/// True when the boxes are fractions (0..1) of the image size rather than pixels: the annotations
/// are normalised (LLaVA caps_boxes) and the image size was unknown (the image was given by id only).
/// </param>
public sealed record AnnotationDetectionResult(IReadOnlyList<Detection> Detections, bool BoxesNormalised);

/// <summary>
/// An <see cref="IGroundingDetector"/> that answers from ground-truth boxes instead of a model:
/// a phrase is present when it names (through <see cref="AnnotationDetectorOptions.Vocabulary"/>,
/// with simple plural handling) a category annotated in the image. The upper bound of the
/// automatic reward, and a detector for demos without weights. It is exact: wrap it in a
/// <see cref="NoisyGroundingDetector"/> to give it a real detector's misses and false alarms.
/// </summary>
/// <remarks>
/// Each annotated box of a requested category is one detection, with score 1, the file's category
/// name as <see cref="Detection.Label"/>, and as <see cref="Detection.Queries"/> every requested
/// phrase naming its category in request order ("man" and "person" both for a person box), the
/// first of them as <see cref="Detection.Query"/>. Categories come in the order first requested,
/// boxes in file order. It passes any box threshold below 1. Boxes are in pixels
/// of the original image. LLaVA caps_boxes files store normalised boxes: they are scaled by the
/// image size when the image has pixels (it is decoded once for its size); for an image given by
/// id only they stay normalised, which <see cref="DetectWithDetailsAsync"/> reports and a warning logs.
/// Ground truth knows only its categories: as an <see cref="IClosedVocabularyDetector"/> it tells
/// the automatic scorer to leave other phrases unjudged rather than count them as hallucinated.
/// Thread-safe.
/// </remarks>
public sealed class AnnotationGroundingDetector : IGroundingDetector, IClosedVocabularyDetector, IComponentIdentity
{
    private readonly AnnotationDetectorOptions _options;
    private readonly ILogger _logger;
    private readonly Lazy<HashSet<string>> _annotatedCategories;
    private int _warnedNormalised;

    /// <summary>Answers from <paramref name="annotations"/>.</summary>
    public AnnotationGroundingDetector(GroundTruthAnnotations annotations, AnnotationDetectorOptions? options = null, ILogger<AnnotationGroundingDetector>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(annotations);
        Annotations = annotations;
        _options = options?.Clone() ?? new AnnotationDetectorOptions();
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _annotatedCategories = new(() => annotations.Images.SelectMany(i => i.Objects).Select(o => o.Category).ToHashSet(StringComparer.Ordinal));
    }

    /// <summary>The ground truth answered from.</summary>
    public GroundTruthAnnotations Annotations { get; }

    /// <inheritdoc />
    /// <remarks>The annotations file's full path (or source name), and the options that change answers.</remarks>
    public string Identity => (File.Exists(Annotations.Source) ? ComponentIdentity.ForPath("annotations", Annotations.Source) : $"annotations:{Annotations.Source}") + _options.IdentitySuffix();

    /// <summary>Reads a COCO instances JSON or LLaVA caps_boxes JSON Lines file (see <see cref="GroundTruthAnnotations.Load"/>).</summary>
    public static AnnotationGroundingDetector Load(string path, AnnotationDetectorOptions? options = null, ILogger<AnnotationGroundingDetector>? logger = null) =>
        new(GroundTruthAnnotations.Load(path), options, logger);

    /// <inheritdoc />
    /// <exception cref="ArgumentException">The image is not in the annotations file.</exception>
    public async Task<IReadOnlyList<Detection>> DetectAsync(
        ImageInput image,
        IReadOnlyList<string> phrases,
        GroundingOptions? options = null,
        CancellationToken cancellationToken = default) =>
        (await DetectWithDetailsAsync(image, phrases, options, cancellationToken).ConfigureAwait(false)).Detections;

    /// <summary>Like <see cref="DetectAsync"/>, and says whether the boxes are normalised.</summary>
    /// <exception cref="ArgumentException">The image is not in the annotations file.</exception>
    public Task<AnnotationDetectionResult> DetectWithDetailsAsync(
        ImageInput image,
        IReadOnlyList<string> phrases,
        GroundingOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(phrases);
        cancellationToken.ThrowIfCancellationRequested();
        options ??= new GroundingOptions();
        if (!Annotations.TryFind(image.Id, out var annotated))
        {
            throw new ArgumentException(
                $"Image '{image.Id}' is not in annotations file '{Annotations.Source}' ({Annotations.Images.Count} images). Images are matched by file name, file name without extension, or numeric id.",
                nameof(image));
        }

        var byCategory = new Dictionary<string, List<AnnotatedObject>>(StringComparer.Ordinal);
        foreach (var obj in annotated.Objects)
        {
            var category = CategoryOf(obj.Category) ?? obj.Category;
            if (!byCategory.TryGetValue(category, out var list))
            {
                byCategory[category] = list = [];
            }

            list.Add(obj);
        }

        var (scaleX, scaleY, normalised) = Scale(annotated, image);
        var detections = new List<Detection>();
        if (!(1f > options.BoxThreshold))
        {
            return Task.FromResult(new AnnotationDetectionResult(detections, normalised));
        }

        // Every requested phrase of each annotated category, in request order (distinct phrases).
        var phrasesByCategory = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        var categoryOrder = new List<string>();
        var asked = new HashSet<string>(StringComparer.Ordinal);
        foreach (var phrase in phrases)
        {
            if (phrase is null || !asked.Add(phrase) || CategoryOf(phrase) is not { } category || !byCategory.ContainsKey(category))
            {
                continue;
            }

            if (!phrasesByCategory.TryGetValue(category, out var list))
            {
                phrasesByCategory[category] = list = [];
                categoryOrder.Add(category);
            }

            list.Add(phrase);
        }

        foreach (var category in categoryOrder)
        {
            var queries = phrasesByCategory[category];
            foreach (var obj in byCategory[category])
            {
                var b = obj.Box;
                detections.Add(new Detection(obj.Category, queries[0], 1f, new BoundingBox(b.X1 * scaleX, b.Y1 * scaleY, b.X2 * scaleX, b.Y2 * scaleY))
                {
                    Queries = queries,
                });
            }
        }

        if (normalised && detections.Count > 0 && Interlocked.Exchange(ref _warnedNormalised, 1) == 0)
        {
            _logger.LogWarning(
                "Annotations '{Source}' have normalised boxes and image '{Image}' was given without pixels, so its size is unknown: boxes are reported as fractions (0..1) of the image size. Give the image file to get pixel boxes.",
                Annotations.Source,
                image.Id);
        }

        return Task.FromResult(new AnnotationDetectionResult(detections, normalised));
    }

    /// <summary>True when <paramref name="phrase"/> names a category of the vocabulary or of the file, so that its absence means something.</summary>
    public bool CanVerify(string phrase) => phrase is not null && CategoryOf(phrase) is not null;

    /// <summary>The category a phrase names, or null.</summary>
    internal string? CategoryOf(string phrase)
    {
        var text = string.Join(' ', phrase.Trim().ToLowerInvariant().Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
        if (text.Length == 0)
        {
            return null;
        }

        foreach (var candidate in _options.HandlePlurals ? Singulars(text) : [text])
        {
            if (_options.Vocabulary.TryGetCategory(candidate, out var category))
            {
                return category;
            }

            if (_annotatedCategories.Value.Contains(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    private static IEnumerable<string> Singulars(string text)
    {
        yield return text;
        var space = text.LastIndexOf(' ');
        var head = space < 0 ? string.Empty : text[..(space + 1)];
        var word = text[(space + 1)..];
        foreach (var singular in SingularsOfWord(word))
        {
            yield return head + singular;
        }
    }

    private static IEnumerable<string> SingularsOfWord(string word)
    {
        string[] irregular = word switch
        {
            "people" => ["person"],
            "children" => ["child"],
            "mice" => ["mouse"],
            "geese" => ["goose"],
            "teeth" => ["tooth"],
            "feet" => ["foot"],
            "knives" => ["knife"],
            _ => [],
        };
        foreach (var s in irregular)
        {
            yield return s;
        }

        if (word.EndsWith("men", StringComparison.Ordinal))
        {
            yield return word[..^3] + "man";
        }

        if (word.EndsWith("ies", StringComparison.Ordinal) && word.Length > 4)
        {
            yield return word[..^3] + "y";
        }

        if (word.EndsWith("ves", StringComparison.Ordinal))
        {
            yield return word[..^3] + "f";
            yield return word[..^3] + "fe";
        }

        if (word.EndsWith("es", StringComparison.Ordinal) && word.Length > 3)
        {
            yield return word[..^2];
        }

        if (word.EndsWith('s') && !word.EndsWith("ss", StringComparison.Ordinal) && word.Length > 2)
        {
            yield return word[..^1];
        }
    }

    private static (float X, float Y, bool Normalised) Scale(AnnotatedImage annotated, ImageInput image)
    {
        if (!annotated.BoxesNormalised)
        {
            return (1f, 1f, false);
        }

        if (annotated.Width is { } w && annotated.Height is { } h)
        {
            return (w, h, false);
        }

        if (image.HasPixels)
        {
            var decoded = image.Decode();
            return (decoded.Width, decoded.Height, false);
        }

        return (1f, 1f, true);
    }
}
