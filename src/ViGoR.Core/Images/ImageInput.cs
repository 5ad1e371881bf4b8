namespace ViGoR;

/// <summary>
/// An image as the pipeline passes it around: a stable id, where its bytes come from, and the
/// decoded pixels on first use. Components that need only the id (a replayed model, an
/// annotation-backed detector) never pay for decoding; components that need pixels call
/// <see cref="Decode"/>, which decodes once and caches.
/// </summary>
/// <remarks>
/// Thread-safe: concurrent callers of <see cref="Decode"/> share one decode. Call
/// <see cref="ReleasePixels"/> when the image is done with, so a data set of thousands of images
/// does not keep every decoded image alive.
/// </remarks>
public sealed class ImageInput
{
    private readonly Func<RgbImage>? _decoder;
    private readonly Lock _gate = new();
    private RgbImage? _decoded;

    private ImageInput(string id, string? path, Func<RgbImage>? decoder)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(id);
        Id = id;
        Path = path;
        _decoder = decoder;
    }

    /// <summary>The image id used in journals and evaluation (e.g. a COCO file name or numeric id).</summary>
    public string Id { get; }

    /// <summary>The file the pixels come from, when there is one.</summary>
    public string? Path { get; }

    /// <summary>True when pixels can be decoded (a file or bytes were given).</summary>
    public bool HasPixels => _decoder is not null;

    /// <summary>An image read from <paramref name="path"/> on first use.</summary>
    /// <param name="path">A PNG, JPEG, WebP, BMP or GIF file.</param>
    /// <param name="id">The id; defaults to the file name.</param>
    public static ImageInput FromFile(string path, string? id = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        return new ImageInput(id ?? System.IO.Path.GetFileName(path), path, () => RgbImage.Load(path, id));
    }

    /// <summary>An image decoded from encoded bytes on first use.</summary>
    public static ImageInput FromBytes(string id, ReadOnlyMemory<byte> encoded) =>
        new(id, null, () => RgbImage.Decode(encoded.Span, id));

    /// <summary>An image whose pixels are already decoded.</summary>
    public static ImageInput FromPixels(RgbImage image) => new(image.Id, null, () => image);

    /// <summary>
    /// An image known only by id: for components that look it up elsewhere (recorded samples,
    /// ground-truth annotations). <see cref="Decode"/> throws <see cref="ImageDecodeException"/>.
    /// </summary>
    public static ImageInput FromId(string id) => new(id, null, null);

    /// <summary>True while decoded pixels are cached.</summary>
    public bool IsDecoded
    {
        get
        {
            lock (_gate)
            {
                return _decoded is not null;
            }
        }
    }

    /// <summary>The decoded pixels (decoded once, then cached until <see cref="ReleasePixels"/>).</summary>
    /// <exception cref="ImageDecodeException">The file is missing, corrupt, unsupported, or there are no pixels.</exception>
    public RgbImage Decode()
    {
        if (_decoder is null)
        {
            throw new ImageDecodeException(Id, $"Image '{Id}' has no pixels: it was given by id only. Give an image file or bytes to components that need pixels.");
        }

        lock (_gate)
        {
            return _decoded ??= _decoder();
        }
    }

    /// <summary>
    /// Drops the cached pixels; the next <see cref="Decode"/> decodes again. Callers that still hold
    /// the <see cref="RgbImage"/> keep it valid. The pipeline calls this once an image is scored.
    /// </summary>
    public void ReleasePixels()
    {
        lock (_gate)
        {
            _decoded = null;
        }
    }

    /// <inheritdoc />
    public override string ToString() => Path ?? Id;
}
