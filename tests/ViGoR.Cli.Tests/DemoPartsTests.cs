using ViGoR.ShapesWorld;
using ViGoR.Cli.Demo.TinyModel;
using ViGoR.Torch;

namespace ViGoR.Cli.Tests;

/// <summary>The parts of the demo: the tiny model's tokenizer and folder.</summary>
public sealed class DemoPartsTests
{
    private static readonly List<Scene> Scenes = Enumerable.Range(0, 400).Select(i => ShapesWorldGenerator.Generate(seed: 5, i)).ToList();

    [Fact]
    public void The_written_tokenizer_makes_every_corpus_word_one_piece_and_decodes_back()
    {
        var folder = Directory.CreateTempSubdirectory("vigor-tiny-").FullName;
        try
        {
            TinyLlavaFolder.Write(folder, TinyLlavaFolder.Vocabulary(), new TinyLlavaShape { TextHidden = 16, VisionHidden = 16, TextLayers = 1, VisionLayers = 2 });
            using var model = LlavaVisionLanguageModel.CreateInitialized(folder, seed: 1, new LlavaModelOptions { Device = TorchSharp.torch.CPU });
            var tokenizer = model.Tokenizer;
            var caption = ShapesWorldCorpus.Caption(Scenes[3], new Random(1), 1).Caption;

            var ids = tokenizer.EncodeText(caption);

            // One piece per word plus one per full stop: no character fallback inside ShapesWorld's words.
            Assert.Equal(caption.Split(' ').Length + caption.Count(c => c == '.'), ids.Count);
            Assert.Equal(caption, tokenizer.Decode(ids.Select(i => (long)i)));
            Assert.Equal("There", tokenizer.Decode([tokenizer.EncodeText("There")[0]]));
            Assert.Single(tokenizer.EncodeText("7")); // the reward model's replies are single tokens
            Assert.Equal(model.Config.ImageTokenIndex, tokenizer.SentencePieceVocabSize);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task A_model_initialised_from_a_seed_saves_and_loads_back_identically()
    {
        var folder = Directory.CreateTempSubdirectory("vigor-tiny-").FullName;
        var saved = folder + "-saved";
        try
        {
            TinyLlavaFolder.Write(folder, TinyLlavaFolder.Vocabulary(), new TinyLlavaShape { TextHidden = 16, VisionHidden = 16, TextLayers = 1, VisionLayers = 2 });
            using var a = LlavaVisionLanguageModel.CreateInitialized(folder, seed: 4, new LlavaModelOptions { Device = TorchSharp.torch.CPU });
            using var b = LlavaVisionLanguageModel.CreateInitialized(folder, seed: 4, new LlavaModelOptions { Device = TorchSharp.torch.CPU });
            using var c = LlavaVisionLanguageModel.CreateInitialized(folder, seed: 5, new LlavaModelOptions { Device = TorchSharp.torch.CPU });
            await a.SaveCheckpointAsync(saved);
            using var loaded = LlavaVisionLanguageModel.Load(saved, new LlavaModelOptions { Device = TorchSharp.torch.CPU });

            var image = ImageInput.FromPixels(Scenes[0].Image);
            var options = new SamplingOptions { NumSamples = 2, Temperature = 1, MaxNewTokens = 8, Seed = 9 };
            var fromA = await a.SampleAsync(image, ShapesWorldCorpus.DescribePrompt, options);
            Assert.Equal(fromA, await b.SampleAsync(image, ShapesWorldCorpus.DescribePrompt, options));
            Assert.Equal(fromA, await loaded.SampleAsync(image, ShapesWorldCorpus.DescribePrompt, options));
            Assert.NotEqual(fromA, await c.SampleAsync(image, ShapesWorldCorpus.DescribePrompt, options));
            Assert.True(File.Exists(Path.Combine(saved, "tokenizer.model")));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
            if (Directory.Exists(saved))
            {
                Directory.Delete(saved, recursive: true);
            }
        }
    }
}
