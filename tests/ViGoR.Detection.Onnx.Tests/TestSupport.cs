using Microsoft.Extensions.Logging;

namespace ViGoR.DetectionOnnx.Tests;

internal static class Fixtures
{
    public static string Path(params string[] parts) =>
        System.IO.Path.Combine([AppContext.BaseDirectory, "Fixtures", .. parts]);

    public static string HfModel => Path("hf");

    public static string IdeaModel => Path("idea");

    /// <summary>A deterministic test image with some structure.</summary>
    public static ImageInput Image(int width, int height, string id = "test.png")
    {
        var pixels = new byte[width * height * 3];
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                var i = ((y * width) + x) * 3;
                pixels[i] = (byte)(x * 255 / Math.Max(1, width - 1));
                pixels[i + 1] = (byte)(y * 255 / Math.Max(1, height - 1));
                pixels[i + 2] = (byte)((x * 7 + y * 13) % 256);
            }
        }

        return ImageInput.FromPixels(new RgbImage(id, width, height, pixels));
    }

    public static float Sigmoid(double x) => (float)(1 / (1 + Math.Exp(-x)));
}

internal static class Boxes
{
    public static void Equal(BoundingBox expected, BoundingBox actual, float tolerance = 1e-3f)
    {
        Assert.True(
            Math.Abs(expected.X1 - actual.X1) <= tolerance && Math.Abs(expected.Y1 - actual.Y1) <= tolerance
            && Math.Abs(expected.X2 - actual.X2) <= tolerance && Math.Abs(expected.Y2 - actual.Y2) <= tolerance,
            $"Expected {expected}, got {actual}.");
    }
}

/// <summary>Collects log messages.</summary>
internal sealed class ListLogger<T> : ILogger<T>
{
    public List<(LogLevel Level, string Message)> Entries { get; } = [];

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        lock (Entries)
        {
            Entries.Add((logLevel, formatter(state, exception)));
        }
    }
}
