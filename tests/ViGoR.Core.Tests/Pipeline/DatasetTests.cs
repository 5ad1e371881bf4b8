namespace ViGoR.Core.Tests.Pipeline;

public sealed class DatasetTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("vigor-data-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string Write(string name, string text)
    {
        var path = Path.Combine(_folder, name);
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public void Reads_ids_images_and_prompts_with_defaults()
    {
        var path = Write("data.jsonl", """
            {"id": "a", "image": "a.jpg", "prompt": "Describe a."}
            {"image_id": 42, "image": "sub/b.png"}

            {"image": "c.jpg", "text": "What is in c?"}
            """);

        var items = TrainingDataset.ReadJsonLines(path, imageRoot: "/data", defaultPrompt: "Describe.");

        Assert.Equal(["a", "42", "c.jpg"], items.Select(i => i.Id));
        Assert.Equal(["Describe a.", "Describe.", "What is in c?"], items.Select(i => i.Prompt));
        Assert.Equal(Path.Combine("/data", "sub/b.png"), items[1].Image.Path);
    }

    [Theory]
    [InlineData("{\"id\": \"a\", \"prompt\": \"p\"}\n{\"id\": \"a\", \"prompt\": \"p\"}\n", "line 2", "already used on line 1")]
    [InlineData("{\"id\": \"a\", \"prompt\": \"p\"}\n{not json\n", "line 2", "not valid JSON")]
    [InlineData("{\"prompt\": \"p\"}\n", "line 1", "'id'")]
    [InlineData("{\"id\": \"a\"}\n", "line 1", "'prompt'")]
    [InlineData("{\"id\": [1], \"prompt\": \"p\"}\n", "line 1", "field 'id'")]
    public void Bad_lines_name_the_file_and_line(string text, string line, string what)
    {
        var path = Write("bad.jsonl", text);

        var error = Assert.Throws<InvalidDataException>(() => TrainingDataset.ReadJsonLines(path));

        Assert.Contains(path, error.Message);
        Assert.Contains(line, error.Message);
        Assert.Contains(what, error.Message);
    }

    [Fact]
    public async Task Recorded_model_replays_the_first_k_samples_by_id_or_file_name()
    {
        var path = Write("samples.jsonl", """
            {"image": "/x/a.jpg", "prompt": "p", "samples": ["one", "two", "three"]}
            {"image_id": 7, "samples": ["seven"]}
            """);
        var model = RecordedVisionLanguageModel.Load(path);

        Assert.Equal(["one", "two"], await model.SampleAsync(ImageInput.FromId("a.jpg"), "p", new SamplingOptions { NumSamples = 2 }));
        Assert.Equal(["seven"], await model.SampleAsync(ImageInput.FromFile("/elsewhere/7", "7"), "p", new SamplingOptions { NumSamples = 1 }));
        Assert.Contains("3 samples", (await Assert.ThrowsAsync<InvalidOperationException>(() => model.SampleAsync(ImageInput.FromId("a.jpg"), "p", new SamplingOptions { NumSamples = 5 }))).Message);
        Assert.Contains("'b.jpg'", (await Assert.ThrowsAsync<KeyNotFoundException>(() => model.SampleAsync(ImageInput.FromId("b.jpg"), "p"))).Message);
    }

    [Fact]
    public void Recorded_samples_with_bad_lines_name_the_line()
    {
        var path = Write("samples.jsonl", "{\"image\": \"a.jpg\", \"samples\": [\"x\"]}\n{\"image\": \"b.jpg\", \"samples\": [1]}\n");

        var error = Assert.Throws<InvalidDataException>(() => RecordedVisionLanguageModel.Load(path));

        Assert.Contains("line 2", error.Message);
        Assert.Contains("strings", error.Message);
    }
}
