using System.Text.Json;
using Spectre.Console.Cli;
using ViGoR.Cli.Commands;

namespace ViGoR.Cli.Tests;

public class DetectCommandTests
{
    [Fact]
    public async Task Annotations_answer_writes_the_documented_json_and_draws()
    {
        var dir = Directory.CreateTempSubdirectory("vigor-detect-").FullName;
        var boxes = Path.Combine(dir, "boxes.jsonl");
        await File.WriteAllTextAsync(boxes, """
            {"id": "000000000042", "image": "000000000042.png", "instances": [{"category": "dog", "bbox": [0.1, 0.2, 0.5, 0.6]}, {"category": "person", "bbox": [0.5, 0.5, 1.0, 1.0]}]}

            """);
        var image = Path.Combine(dir, "000000000042.png");
        await File.WriteAllBytesAsync(image, new RgbImage("img", 40, 20, new byte[40 * 20 * 3]).EncodePng());
        var json = Path.Combine(dir, "out", "detections.json");
        var drawn = Path.Combine(dir, "out", "drawn.png");

        var code = await Run("detect", "--annotations", boxes, "--image", image, "--phrases", "puppies . cat . woman . person", "--json", json, "--draw", drawn);

        Assert.Equal(0, code);
        using var doc = JsonDocument.Parse(await File.ReadAllTextAsync(json));
        var list = doc.RootElement.EnumerateArray().ToList();
        Assert.Equal(2, list.Count);
        Assert.Equal("dog", list[0].GetProperty("label").GetString());
        Assert.Equal("puppies", list[0].GetProperty("query").GetString());
        Assert.Equal(1.0, list[0].GetProperty("score").GetDouble());
        Assert.Equal([4.0, 4.0, 20.0, 12.0], list[0].GetProperty("box").EnumerateArray().Select(v => Math.Round(v.GetDouble(), 4)));
        Assert.Equal(["puppies"], list[0].GetProperty("queries").EnumerateArray().Select(q => q.GetString()));
        Assert.Equal("woman", list[1].GetProperty("query").GetString());
        Assert.Equal(["woman", "person"], list[1].GetProperty("queries").EnumerateArray().Select(q => q.GetString()));
        var png = RgbImage.Load(drawn);
        Assert.Equal((40, 20), (png.Width, png.Height));
        Assert.NotEqual(0, png.Pixels.ToArray().Max());
    }

    [Fact]
    public void A_phrase_is_found_when_any_box_supports_it_not_only_the_most_probable()
    {
        var box = new BoundingBox(0, 0, 1, 1);
        Detection[] detections =
        [
            new("man person", "person", 0.9f, box) { Queries = ["person", "man"] },
            new(".", null, 0.5f, box),
        ];

        Assert.Equal(["dog"], DetectCommand.MissingPhrases(detections, ["man", "dog", "person"]));
    }

    [Fact]
    public void Phrases_split_on_dots() =>
        Assert.Equal(["cat", "remote control"], DetectCommand.SplitPhrases(" cat . remote control . "));

    [Fact]
    public async Task Needs_exactly_one_source()
    {
        var e = await Assert.ThrowsAnyAsync<Exception>(() => Run("detect", "--image", "x.png", "--phrases", "cat"));
        Assert.Contains("exactly one of --model DIR or --annotations FILE", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unknown_image_is_an_error_naming_it()
    {
        var dir = Directory.CreateTempSubdirectory("vigor-detect-").FullName;
        var boxes = Path.Combine(dir, "boxes.jsonl");
        await File.WriteAllTextAsync(boxes, "{\"id\": \"1\", \"image\": \"1.jpg\", \"instances\": []}\n");
        var e = await Assert.ThrowsAsync<ArgumentException>(() => Run("detect", "--annotations", boxes, "--image", "nope.jpg", "--phrases", "cat"));
        Assert.Contains("nope.jpg", e.Message, StringComparison.Ordinal);
    }

    private static Task<int> Run(params string[] args)
    {
        var app = new CommandApp();
        app.Configure(c =>
        {
            c.PropagateExceptions();
            c.AddCommand<DetectCommand>("detect");
        });
        return app.RunAsync(args);
    }
}
