using System.Text.Json;

namespace ViGoR.DetectionOnnx.Tests;

public class ImageProcessorTests
{
    [Theory]
    [InlineData("up", "up")]
    [InlineData("down", "down")]
    [InlineData("down", "fixed")]
    [InlineData("bicubic", "bicubic")]
    public void Resize_matches_PIL_byte_for_byte(string input, string output)
    {
        using var meta = JsonDocument.Parse(File.ReadAllText(Fixtures.Path("resize", "resize.json")));
        var spec = meta.RootElement.GetProperty(output);
        var source = RgbImage.Load(Fixtures.Path("resize", $"{input}_in.png"));
        var expected = RgbImage.Load(Fixtures.Path("resize", $"{output}_out.png"));

        var actual = PilResampler.Resize(
            source.Pixels.Span, source.Width, source.Height,
            spec.GetProperty("width").GetInt32(), spec.GetProperty("height").GetInt32(),
            (PilResample)spec.GetProperty("resample").GetInt32());

        Assert.Equal(expected.Pixels.ToArray(), actual);
    }

    [Fact]
    public void Normalised_pixels_match_transformers_float32_arithmetic()
    {
        using var meta = JsonDocument.Parse(File.ReadAllText(Fixtures.Path("resize", "resize.json")));
        var reference = meta.RootElement.GetProperty("down_normalised");
        var processor = GroundingDinoImageProcessor.Load(Fixtures.Path("hf", "preprocessor_config.json"));

        var processed = processor.Process(RgbImage.Load(Fixtures.Path("resize", "down_in.png")));

        Assert.Equal((80, 120), (processed.Height, processed.Width));
        foreach (var sample in reference.GetProperty("samples").EnumerateArray())
        {
            var c = sample[0].GetInt32();
            var y = sample[1].GetInt32();
            var x = sample[2].GetInt32();
            Assert.Equal(sample[3].GetSingle(), processed.Pixels[(c * 80 * 120) + (y * 120) + x]);
        }

        Assert.Equal(reference.GetProperty("sum").GetDouble(), processed.Pixels.Sum(v => (double)v), 3);
    }

    [Theory]
    [InlineData(480, 640, 800, 1066)]   // shortest edge to 800
    [InlineData(800, 1200, 800, 1200)]  // already there: unchanged
    [InlineData(1000, 200, 1333, 267)]  // capped by the longest edge: raw size 266.6 rounds to 267
    [InlineData(427, 640, 800, 1199)]
    [InlineData(37, 50, 800, 1081)]
    public void Output_size_follows_get_size_with_aspect_ratio(int height, int width, int expectedHeight, int expectedWidth) =>
        Assert.Equal((expectedHeight, expectedWidth), GroundingDinoImageProcessor.Default.OutputSize(height, width));

    [Fact]
    public void Preprocessor_config_sizes_are_read()
    {
        var processor = GroundingDinoImageProcessor.Load(Fixtures.Path("hf", "preprocessor_config.json"));
        Assert.Equal(80, processor.ShortestEdge);
        Assert.Equal(133, processor.LongestEdge);
        Assert.Equal((80, 108), processor.OutputSize(37, 50));
        Assert.Equal((96, 128), processor.WithExactSize(96, 128).OutputSize(37, 50));
    }

    [Fact]
    public void Malformed_preprocessor_config_names_file_and_field()
    {
        var dir = Directory.CreateTempSubdirectory("vigor-det-");
        var path = Path.Combine(dir.FullName, "preprocessor_config.json");
        File.WriteAllText(path, """{"image_mean": [0.5, 0.5], "size": {"shortest_edge": 800}}""");
        var e = Assert.Throws<InvalidDataException>(() => GroundingDinoImageProcessor.Load(path));
        Assert.Contains(path, e.Message, StringComparison.Ordinal);
        Assert.Contains("image_mean", e.Message, StringComparison.Ordinal);
    }
}
