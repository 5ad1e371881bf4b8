using ViGoR.Cli.Commands;

namespace ViGoR.Cli.Tests;

public sealed class GenerateCommandTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("vigor-generate-cli-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void Jsonl_items_resolve_paths_against_the_file_and_take_their_own_prompt_and_id()
    {
        var list = Path.Combine(_directory, "items.jsonl");
        File.WriteAllLines(list,
        [
            """{"image": "imgs/a.png"}""",
            "",
            """{"image": "/data/b.jpg", "id": 42, "prompt": "Own prompt"}""",
        ]);

        var items = GenerateCommand.ReadItems(new GenerateCommand.Settings { Images = list, Prompt = "Default" });

        Assert.Equal(2, items.Count);
        Assert.Equal(("a.png", Path.Combine(_directory, "imgs/a.png"), "Default"), (items[0].Id, items[0].Path, items[0].Prompt));
        Assert.Equal(("42", "/data/b.jpg", "Own prompt"), (items[1].Id, items[1].Path, items[1].Prompt));
    }

    [Fact]
    public async Task Each_image_is_seeded_as_vigor_run_seeds_it_whatever_the_batch()
    {
        var fixtures = Path.Combine(AppContext.BaseDirectory, "Fixtures", "TinyLlava");
        var list = Path.Combine(_directory, "items.jsonl");
        File.WriteAllLines(list, [$$"""{"image": "{{Path.Combine(fixtures, "image0.png")}}"}""", $$"""{"image": "{{Path.Combine(fixtures, "image1.png")}}"}"""]);
        var output = Path.Combine(_directory, "samples.jsonl");

        Assert.Equal(0, await VigorApp.Create().RunAsync(["generate", "--model", Path.Combine(fixtures, "hf"), "--images", list, "--prompt", "Describe.", "-k", "2", "--temperature", "1", "--max-new-tokens", "6", "--batch-size", "2", "--seed", "5", "--out", output]));

        var recorded = RecordedVisionLanguageModel.Load(output);
        using var model = ViGoR.Torch.LlavaVisionLanguageModel.Load(Path.Combine(fixtures, "hf"));
        foreach (var id in new[] { "image0.png", "image1.png" })
        {
            // One image at a time, seeded by the trainer's rule: the same texts generate wrote in a batch of two.
            var alone = await model.SampleAsync(ImageInput.FromFile(Path.Combine(fixtures, id), id), "Describe.", new SamplingOptions { NumSamples = 2, Temperature = 1, MaxNewTokens = 6, Seed = RejectionSamplingTrainer.DeriveSeed(5, id, 0) });
            Assert.Equal(alone, await recorded.SampleAsync(ImageInput.FromId(id), "Describe.", new SamplingOptions { NumSamples = 2 }));
        }
    }

    [Fact]
    public void A_jsonl_item_without_prompt_or_image_names_its_line()
    {
        var list = Path.Combine(_directory, "items.jsonl");
        File.WriteAllLines(list, ["""{"image": "a.png"}""", """{"id": "x"}"""]);
        var e = Assert.Throws<InvalidDataException>(() => GenerateCommand.ReadItems(new GenerateCommand.Settings { Images = list, Prompt = "p" }));
        Assert.Contains("line 2", e.Message, StringComparison.Ordinal);
        e = Assert.Throws<InvalidDataException>(() => GenerateCommand.ReadItems(new GenerateCommand.Settings { Images = list }));
        Assert.Contains("line 1", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_folder_lists_its_images_in_order()
    {
        var images = Directory.CreateDirectory(Path.Combine(_directory, "imgs")).FullName;
        foreach (var name in new[] { "b.jpg", "a.PNG", "notes.txt" })
        {
            File.WriteAllBytes(Path.Combine(images, name), [1]);
        }

        var items = GenerateCommand.ReadItems(new GenerateCommand.Settings { Images = images, Prompt = "p" });
        Assert.Equal(["a.PNG", "b.jpg"], items.Select(i => i.Id));
        Assert.Equal([0, 1], items.Select(i => i.Index));
    }
}
