namespace ViGoR.Torch.Tests.Generation;

public class EndToEndTests
{
    /// <summary>Image file → preprocessing → prompt template → greedy text, against the Python reference for each layout.</summary>
    [Theory]
    [InlineData("hf", "hf", 0)]
    [InlineData("hf-new", "hf", 1)]
    [InlineData("original", "original", 0)]
    [InlineData("original", "original", 1)]
    public async Task Greedy_text_from_an_image_file_matches_the_reference(string folder, string layout, int image)
    {
        var dir = Path.Combine(TinyLlava.Root, folder);
        using var model = TinyLlava.Load(dir);
        string[] prompts = ["Describe this image in detail.", "What is on the table?\nAnswer briefly."];
        var texts = await model.SampleAsync(
            ImageInput.FromFile(TinyLlava.Image(image)),
            prompts[image],
            new SamplingOptions { NumSamples = 2, Temperature = 0, MaxNewTokens = 8, Seed = 0 });
        var expected = model.Tokenizer.Decode(TinyLlava.RefIds($"greedy_{layout}_{image}").Where(t => t >= 0));
        Assert.Equal([expected, expected], texts);
    }
}
