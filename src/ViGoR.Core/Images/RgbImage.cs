using SkiaSharp;

namespace ViGoR;

/// <summary>
/// Decoded pixels: 8-bit RGB, interleaved, row-major, no padding (index = (y * Width + x) * 3 + channel).
/// EXIF orientation is not applied, matching PIL's <c>Image.open</c> as Hugging Face processors use it.
/// </summary>
/// <remarks>Immutable and thread-safe.</remarks>
public sealed class RgbImage
{
    /// <summary>Wraps already decoded RGB bytes.</summary>
    /// <exception cref="ArgumentException">The buffer length is not <c>width * height * 3</c>.</exception>
    public RgbImage(string id, int width, int height, byte[] pixels)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(id);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        ArgumentNullException.ThrowIfNull(pixels);
        if (pixels.LongLength != (long)width * height * 3)
        {
            throw new ArgumentException($"Expected {(long)width * height * 3} bytes for {width}x{height} RGB, got {pixels.LongLength}.", nameof(pixels));
        }

        Id = id;
        Width = width;
        Height = height;
        Pixels = pixels;
    }

    /// <summary>The image id.</summary>
    public string Id { get; }

    /// <summary>Width in pixels.</summary>
    public int Width { get; }

    /// <summary>Height in pixels.</summary>
    public int Height { get; }

    /// <summary>RGB bytes, 3 per pixel, row-major.</summary>
    public ReadOnlyMemory<byte> Pixels { get; }

    /// <summary>Reads and decodes an image file.</summary>
    /// <exception cref="ImageDecodeException">The file is missing, unreadable, corrupt or of an unsupported format.</exception>
    public static RgbImage Load(string path, string? id = null)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ImageDecodeException(path, $"Cannot read image file '{path}': {e.Message}", e);
        }

        return DecodeCore(bytes, id ?? System.IO.Path.GetFileName(path), path);
    }

    /// <summary>Decodes PNG, JPEG, WebP, BMP or GIF bytes.</summary>
    /// <exception cref="ImageDecodeException">The bytes are corrupt or of an unsupported format.</exception>
    public static RgbImage Decode(ReadOnlySpan<byte> encoded, string id) => DecodeCore(encoded, id, id);

    private static RgbImage DecodeCore(ReadOnlySpan<byte> encoded, string id, string source)
    {
        if (encoded.IsEmpty)
        {
            throw new ImageDecodeException(source, $"Image '{source}' is empty (0 bytes).");
        }

        using var data = SKData.CreateCopy(encoded);
        using var codec = SKCodec.Create(data) ?? throw new ImageDecodeException(source, $"Image '{source}' is not a supported image format (PNG, JPEG, WebP, BMP, GIF) or is corrupt.");
        var info = new SKImageInfo(codec.Info.Width, codec.Info.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        using var bitmap = new SKBitmap(info);
        var result = codec.GetPixels(info, bitmap.GetPixels());
        if (result is not (SKCodecResult.Success or SKCodecResult.IncompleteInput))
        {
            throw new ImageDecodeException(source, $"Image '{source}' could not be decoded: {result}.");
        }

        if (result == SKCodecResult.IncompleteInput)
        {
            throw new ImageDecodeException(source, $"Image '{source}' is truncated: the decoder ran out of data.");
        }

        return new RgbImage(id, info.Width, info.Height, ToRgb(bitmap.GetPixelSpan(), info.Width * info.Height));
    }

    private static byte[] ToRgb(ReadOnlySpan<byte> rgba, int pixelCount)
    {
        // Alpha is dropped without compositing, as PIL's convert("RGB") does.
        var rgb = new byte[pixelCount * 3];
        for (int i = 0, j = 0; i < pixelCount; i++, j += 3)
        {
            rgb[j] = rgba[i * 4];
            rgb[j + 1] = rgba[i * 4 + 1];
            rgb[j + 2] = rgba[i * 4 + 2];
        }

        return rgb;
    }

    /// <summary>Encodes as PNG (for drawing and debugging).</summary>
    public byte[] EncodePng()
    {
        var info = new SKImageInfo(Width, Height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        using var bitmap = new SKBitmap(info);
        var dst = bitmap.GetPixelSpan();
        var src = Pixels.Span;
        for (int i = 0, j = 0; j < src.Length; i += 4, j += 3)
        {
            dst[i] = src[j];
            dst[i + 1] = src[j + 1];
            dst[i + 2] = src[j + 2];
            dst[i + 3] = 255;
        }

        using var image = SKImage.FromBitmap(bitmap);
        using var png = image.Encode(SKEncodedImageFormat.Png, 100);
        return png.ToArray();
    }
}
