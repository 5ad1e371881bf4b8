using System.Text.Json;

namespace ViGoR;

/// <summary>One image ready for the model: CHW float pixels and the size they were resized to.</summary>
internal sealed record ProcessedImage(float[] Pixels, int Height, int Width);

/// <summary>
/// Transformers' <c>GroundingDinoImageProcessor</c> (the slow, PIL-based one) for one image:
/// resize (shortest/longest edge, exact size, or max height/width), rescale by 1/255, normalise
/// with ImageNet mean and std, channels first. Padding to a batch is done by the caller.
/// Settings come from <c>preprocessor_config.json</c>; absent keys take the processor's defaults.
/// </summary>
/// <remarks>Immutable and thread-safe.</remarks>
internal sealed record GroundingDinoImageProcessor
{
    /// <summary>IMAGENET_DEFAULT_MEAN of transformers.</summary>
    public static readonly float[] ImageNetMean = [0.485f, 0.456f, 0.406f];

    /// <summary>IMAGENET_DEFAULT_STD of transformers.</summary>
    public static readonly float[] ImageNetStd = [0.229f, 0.224f, 0.225f];

    public bool DoResize { get; init; } = true;

    /// <summary>Shortest edge target (transformers default 800); used with <see cref="LongestEdge"/>.</summary>
    public int? ShortestEdge { get; init; } = 800;

    /// <summary>Longest edge cap (transformers default 1333).</summary>
    public int? LongestEdge { get; init; } = 1333;

    /// <summary>Exact output size (<c>size: {height, width}</c>), aspect ratio not kept.</summary>
    public (int Height, int Width)? ExactSize { get; init; }

    /// <summary>Bounding size (<c>size: {max_height, max_width}</c>), aspect ratio kept.</summary>
    public (int Height, int Width)? MaxSize { get; init; }

    public PilResample Resample { get; init; } = PilResample.Bilinear;

    public bool DoRescale { get; init; } = true;

    public double RescaleFactor { get; init; } = 1 / 255.0;

    public bool DoNormalize { get; init; } = true;

    public float[] Mean { get; init; } = ImageNetMean;

    public float[] Std { get; init; } = ImageNetStd;

    /// <summary>The processor's defaults (what the original IDEA-Research code also uses: RandomResize([800], max_size=1333)).</summary>
    public static GroundingDinoImageProcessor Default { get; } = new();

    /// <summary>Reads <c>preprocessor_config.json</c>.</summary>
    /// <exception cref="InvalidDataException">The file is not valid JSON or a field has the wrong type; the message names the file and field.</exception>
    public static GroundingDinoImageProcessor Load(string path)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(File.ReadAllText(path), new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not valid JSON (line {e.LineNumber + 1}): {e.Message}", e);
        }

        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new InvalidDataException($"{path}: expected a JSON object.");
            }

            var result = new GroundingDinoImageProcessor
            {
                DoResize = Bool(root, "do_resize", true, path),
                Resample = (PilResample)Int(root, "resample", (int)PilResample.Bilinear, path),
                DoRescale = Bool(root, "do_rescale", true, path),
                RescaleFactor = Double(root, "rescale_factor", 1 / 255.0, path),
                DoNormalize = Bool(root, "do_normalize", true, path),
                Mean = Triple(root, "image_mean", ImageNetMean, path),
                Std = Triple(root, "image_std", ImageNetStd, path),
            };

            if (result.Resample is < PilResample.Nearest or > PilResample.Hamming)
            {
                throw new InvalidDataException($"{path}: field 'resample' = {(int)result.Resample} is not a PIL resampling filter (0-5).");
            }

            if (!root.TryGetProperty("size", out var size) || size.ValueKind == JsonValueKind.Null)
            {
                // transformers: size None -> shortest 800 / longest 1333; a legacy max_size overrides the longest edge.
                var maxSize = root.TryGetProperty("max_size", out var ms) && ms.ValueKind == JsonValueKind.Number ? ms.GetInt32() : 1333;
                return result with { LongestEdge = maxSize };
            }

            if (size.ValueKind == JsonValueKind.Number)
            {
                var legacyMax = root.TryGetProperty("max_size", out var ms) && ms.ValueKind == JsonValueKind.Number ? ms.GetInt32() : (int?)null;
                return result with { ShortestEdge = size.GetInt32(), LongestEdge = legacyMax };
            }

            if (size.ValueKind != JsonValueKind.Object)
            {
                throw new InvalidDataException($"{path}: field 'size' must be a number or an object.");
            }

            int? Get(string name) => size.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetInt32() : null;
            var shortest = Get("shortest_edge");
            var longest = Get("longest_edge");
            var height = Get("height");
            var width = Get("width");
            var maxHeight = Get("max_height");
            var maxWidth = Get("max_width");
            if (shortest is not null)
            {
                return result with { ShortestEdge = shortest, LongestEdge = longest };
            }

            if (maxHeight is not null && maxWidth is not null)
            {
                return result with { ShortestEdge = null, LongestEdge = null, MaxSize = (maxHeight.Value, maxWidth.Value) };
            }

            if (height is not null && width is not null)
            {
                return result with { ShortestEdge = null, LongestEdge = null, ExactSize = (height.Value, width.Value) };
            }

            throw new InvalidDataException($"{path}: field 'size' must contain 'shortest_edge' (and 'longest_edge'), 'height' and 'width', or 'max_height' and 'max_width'.");
        }
    }

    /// <summary>A copy that resizes to exactly <paramref name="height"/> x <paramref name="width"/> (for fixed-size exports).</summary>
    public GroundingDinoImageProcessor WithExactSize(int height, int width) =>
        this with { ShortestEdge = null, LongestEdge = null, MaxSize = null, ExactSize = (height, width), DoResize = true };

    /// <summary>The (height, width) the image is resized to, as transformers computes it.</summary>
    public (int Height, int Width) OutputSize(int height, int width)
    {
        if (!DoResize)
        {
            return (height, width);
        }

        if (ExactSize is { } exact)
        {
            return exact;
        }

        if (MaxSize is { } max)
        {
            // get_image_size_for_max_height_width
            var minScale = Math.Min((double)max.Height / height, (double)max.Width / width);
            return ((int)(height * minScale), (int)(width * minScale));
        }

        return SizeWithAspectRatio(height, width, ShortestEdge ?? 800, LongestEdge);
    }

    /// <summary>transformers' <c>get_size_with_aspect_ratio</c>, including its rounding of the capped size.</summary>
    public static (int Height, int Width) SizeWithAspectRatio(int height, int width, int size, int? maxSize)
    {
        double? rawSize = null;
        if (maxSize is { } max)
        {
            double minOriginal = Math.Min(height, width);
            double maxOriginal = Math.Max(height, width);
            if (maxOriginal / minOriginal * size > max)
            {
                rawSize = max * minOriginal / maxOriginal;
                size = (int)Math.Round(rawSize.Value, MidpointRounding.ToEven);
            }
        }

        if ((height <= width && height == size) || (width <= height && width == size))
        {
            return (height, width);
        }

        if (width < height)
        {
            var oh = rawSize is { } r ? (int)(r * height / width) : (int)((double)size * height / width);
            return (oh, size);
        }

        var ow = rawSize is { } r2 ? (int)(r2 * width / height) : (int)((double)size * width / height);
        return (size, ow);
    }

    /// <summary>Resizes, rescales and normalises <paramref name="image"/> into CHW floats.</summary>
    public ProcessedImage Process(RgbImage image)
    {
        var (h, w) = OutputSize(image.Height, image.Width);
        if (h <= 0 || w <= 0)
        {
            throw new ImageDecodeException(image.Id, $"Image '{image.Id}' ({image.Width}x{image.Height}) would be resized to {w}x{h}; it is too small or too elongated.");
        }

        var pixels = h == image.Height && w == image.Width
            ? image.Pixels.ToArray()
            : PilResampler.Resize(image.Pixels.Span, image.Width, image.Height, w, h, Resample);
        var output = new float[3 * h * w];
        WriteNormalised(pixels, h, w, output, w);
        return new ProcessedImage(output, h, w);
    }

    /// <summary>
    /// Rescales and normalises resized RGB bytes into <paramref name="target"/> (CHW with row stride
    /// <paramref name="targetWidth"/> and plane size <c>target.Length / 3</c>), as transformers does:
    /// the rescale in float64 then cast to float32, the normalisation in float32.
    /// </summary>
    public void WriteNormalised(ReadOnlySpan<byte> rgb, int height, int width, Span<float> target, int targetWidth)
    {
        var plane = target.Length / 3;
        Span<float> lut = stackalloc float[256 * 3];
        for (var c = 0; c < 3; c++)
        {
            for (var v = 0; v < 256; v++)
            {
                var x = DoRescale ? (float)(v * RescaleFactor) : v;
                lut[(c * 256) + v] = DoNormalize ? (x - Mean[c]) / Std[c] : x;
            }
        }

        for (var y = 0; y < height; y++)
        {
            var src = y * width * 3;
            var dst = y * targetWidth;
            for (var x = 0; x < width; x++)
            {
                var p = src + (x * 3);
                target[dst + x] = lut[rgb[p]];
                target[plane + dst + x] = lut[256 + rgb[p + 1]];
                target[(2 * plane) + dst + x] = lut[512 + rgb[p + 2]];
            }
        }
    }

    private static bool Bool(JsonElement root, string name, bool fallback, string path) =>
        !root.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null ? fallback
        : v.ValueKind is JsonValueKind.True or JsonValueKind.False ? v.GetBoolean()
        : throw new InvalidDataException($"{path}: field '{name}' must be true or false.");

    private static int Int(JsonElement root, string name, int fallback, string path) =>
        !root.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null ? fallback
        : v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var i) ? i
        : throw new InvalidDataException($"{path}: field '{name}' must be an integer.");

    private static double Double(JsonElement root, string name, double fallback, string path) =>
        !root.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null ? fallback
        : v.ValueKind == JsonValueKind.Number ? v.GetDouble()
        : throw new InvalidDataException($"{path}: field '{name}' must be a number.");

    private static float[] Triple(JsonElement root, string name, float[] fallback, string path)
    {
        if (!root.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null)
        {
            return fallback;
        }

        if (v.ValueKind == JsonValueKind.Number)
        {
            var f = v.GetSingle();
            return [f, f, f];
        }

        if (v.ValueKind != JsonValueKind.Array || v.GetArrayLength() != 3 || v.EnumerateArray().Any(e => e.ValueKind != JsonValueKind.Number))
        {
            throw new InvalidDataException($"{path}: field '{name}' must be a number or a list of 3 numbers (one per RGB channel).");
        }

        return v.EnumerateArray().Select(e => (float)e.GetDouble()).ToArray();
    }
}
