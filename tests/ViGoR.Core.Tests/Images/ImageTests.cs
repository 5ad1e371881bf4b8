using SkiaSharp;

namespace ViGoR.Core.Tests.Images;

public sealed class ImageTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("vigor-image-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void Decodes_a_png_to_rgb_bytes()
    {
        using var bitmap = new SKBitmap(new SKImageInfo(3, 2, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        bitmap.SetPixel(0, 0, new SKColor(255, 0, 0));
        bitmap.SetPixel(2, 1, new SKColor(10, 20, 30));
        using var data = SKImage.FromBitmap(bitmap).Encode(SKEncodedImageFormat.Png, 100);
        var path = Path.Combine(_folder, "x.png");
        File.WriteAllBytes(path, data.ToArray());

        var image = ImageInput.FromFile(path).Decode();

        Assert.Equal((3, 2), (image.Width, image.Height));
        Assert.Equal([255, 0, 0], image.Pixels.Span[..3].ToArray());
        Assert.Equal([10, 20, 30], image.Pixels.Span[^3..].ToArray());
        Assert.Equal(image.Pixels.ToArray(), RgbImage.Decode(image.EncodePng(), "again").Pixels.ToArray());
    }

    [Fact]
    public void Corrupt_missing_and_id_only_images_give_errors_naming_them()
    {
        var corrupt = Path.Combine(_folder, "bad.jpg");
        File.WriteAllBytes(corrupt, [1, 2, 3, 4]);
        var truncated = Path.Combine(_folder, "cut.png");
        using (var bitmap = new SKBitmap(64, 64))
        using (var png = SKImage.FromBitmap(bitmap).Encode(SKEncodedImageFormat.Png, 100))
        {
            File.WriteAllBytes(truncated, png.ToArray()[..60]);
        }

        Assert.Contains("bad.jpg", Assert.Throws<ImageDecodeException>(() => RgbImage.Load(corrupt)).Message);
        Assert.Contains("cut.png", Assert.Throws<ImageDecodeException>(() => RgbImage.Load(truncated)).Message);
        Assert.Contains("nope.png", Assert.Throws<ImageDecodeException>(() => ImageInput.FromFile(Path.Combine(_folder, "nope.png")).Decode()).Message);
        Assert.Contains("by id only", Assert.Throws<ImageDecodeException>(() => ImageInput.FromId("x").Decode()).Message);
    }
}
