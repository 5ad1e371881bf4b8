using ViGoR.Cli.Commands;

namespace ViGoR.Cli.Tests;

public sealed class FinetuneCommandTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("vigor-finetune-cli-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static readonly string TinyModel = Path.Combine(AppContext.BaseDirectory, "Fixtures", "TinyLlava", "hf");

    [Fact]
    public async Task PlanPrintsTheMemoryOfAConfigurationAndARunThatCannotFitStopsBeforeLoading()
    {
        Assert.Equal(0, await VigorApp.Create().RunAsync(["finetune", "--model", TinyModel, "--plan", "--lora"]));

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => VigorApp.Create().RunAsync(
            ["finetune", "--model", TinyModel, "--data", Path.Combine(_directory, "never-read.jsonl"), "--out", Path.Combine(_directory, "out"), "--device", "cpu", "--device-memory", "0.000001"]));
        Assert.Contains("needs about", error.Message);
        Assert.Contains("optimizer", error.Message);
        Assert.False(Directory.Exists(Path.Combine(_directory, "out")));
    }

    [Fact]
    public void ExamplesAreTheOkRecordsWithImagesResolvedByPathOrId()
    {
        var a = Path.Combine(_directory, "a.png");
        File.WriteAllBytes(a, [1]);
        var images = Directory.CreateDirectory(Path.Combine(_directory, "imgs")).FullName;
        File.WriteAllBytes(Path.Combine(images, "b.jpg"), [1]);
        var journal = Path.Combine(_directory, "sup.jsonl");
        File.WriteAllLines(journal,
        [
            $$"""{"image_id": "a", "image": "{{a}}", "prompt": "Describe.", "status": "ok", "target": "A cat."}""",
            """{"image_id": "c", "prompt": "Describe.", "status": "no_target", "target": null}""",
            """{"image_id": "d", "prompt": "Describe.", "status": "failed", "error": "boom"}""",
            """{"image_id": "b", "prompt": "Say.", "status": "ok", "target": "A dog."}""",
        ]);

        var examples = FinetuneCommand.ReadExamples(journal, images, out var skipped);

        Assert.Equal(2, skipped);
        Assert.Equal(2, examples.Count);
        Assert.Equal((a, "a", "Describe.", "A cat."), (examples[0].Image.Path, examples[0].Image.Id, examples[0].Prompt, examples[0].Target));
        Assert.Equal((Path.Combine(images, "b.jpg"), "b", "Say.", "A dog."), (examples[1].Image.Path, examples[1].Image.Id, examples[1].Prompt, examples[1].Target));
    }

    [Fact]
    public void RelativeImagePathsResolveAgainstTheJournalFolder()
    {
        File.WriteAllBytes(Path.Combine(_directory, "a.png"), [1]);
        var journal = Path.Combine(_directory, "sup.jsonl");
        File.WriteAllLines(journal, ["""{"image_id": "a", "image": "a.png", "prompt": "Describe.", "status": "ok", "target": "A cat."}"""]);
        var example = Assert.Single(FinetuneCommand.ReadExamples(journal, null, out _));
        Assert.Equal(Path.Combine(_directory, "a.png"), example.Image.Path);
    }

    [Fact]
    public void AMissingImageIsReportedWithTheRecordNumber()
    {
        var journal = Path.Combine(_directory, "sup.jsonl");
        File.WriteAllLines(journal,
        [
            """{"image_id": "x", "prompt": "Describe.", "status": "ok", "target": "A cat."}""",
        ]);
        var error = Assert.Throws<FileNotFoundException>(() => FinetuneCommand.ReadExamples(journal, null, out _));
        Assert.Contains("record 1", error.Message, StringComparison.Ordinal);
        Assert.Contains("'x'", error.Message, StringComparison.Ordinal);
        Assert.Contains("--images", error.Message, StringComparison.Ordinal);
    }
}
