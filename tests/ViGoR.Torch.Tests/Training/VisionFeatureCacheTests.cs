using ViGoR.Torch.Training;
using static TorchSharp.torch;

namespace ViGoR.Torch.Tests.Training;

public sealed class VisionFeatureCacheTests
{
    private static List<FineTuningExample> Examples() =>
    [
        new(ImageInput.FromFile(TinyLlava.Image(0)), "Describe this image in detail.", "A red square on a blue background."),
        new(ImageInput.FromFile(TinyLlava.Image(1)), "Describe this image in detail.", "Two green circles."),
        new(ImageInput.FromFile(TinyLlava.Image(0)), "What is in the image?", "A square."),
    ];

    private static FineTuningOptions Options(VisionFeatureCache? cache)
    {
        var options = new FineTuningOptions { LearningRate = 1e-3, Epochs = 2, BatchSize = 2, MicroBatchSize = 2, Seed = 3 };
        new LlavaFineTuningOptions { ImageFeatureCache = cache }.ApplyTo(options);
        return options;
    }

    [Fact]
    public async Task Training_with_the_cache_runs_the_tower_once_per_image_and_trains_as_without_it()
    {
        using var plain = TinyLlava.Load(TinyLlava.HuggingFace);
        var expected = await plain.FineTuneAsync(Examples(), Options(null));
        long plainForwards = plain.Module.VisionTowerForwards;

        using var cache = new VisionFeatureCache();
        using var cached = TinyLlava.Load(TinyLlava.HuggingFace);
        var actual = await cached.FineTuneAsync(Examples(), Options(cache));

        // Two distinct images over 2 epochs x 3 examples: the tower runs twice, not six times.
        Assert.Equal(2, cache.Misses);
        Assert.Equal(2, cached.Module.VisionTowerForwards);
        Assert.True(plainForwards >= 4, $"without the cache the tower ran {plainForwards} times");

        // Features computed one image at a time round differently from a batch of two: close, not equal.
        Assert.Equal(expected.FinalLoss, actual.FinalLoss, 1e-4);
        foreach (var ((name, a), (_, b)) in plain.Module.named_parameters().Zip(cached.Module.named_parameters()))
        {
            var difference = (a - b).abs().max().item<float>();
            Assert.True(difference < 1e-4, $"{name} differs by {difference}");
        }
    }

    [Fact]
    public async Task A_cache_refuses_a_tower_with_other_weights_and_a_tower_that_trains()
    {
        using var cache = new VisionFeatureCache();
        using var first = TinyLlava.Load(TinyLlava.HuggingFace);
        await first.FineTuneAsync(Examples().Take(1).ToList(), Options(cache));

        using var other = TinyLlava.Load(TinyLlava.HuggingFace);
        using (no_grad())
        {
            other.Module.VisionTower.parameters().First().add_(1e-3f);
        }

        await Assert.ThrowsAsync<InvalidOperationException>(() => other.FineTuneAsync(Examples(), Options(cache)));

        var unfrozen = new FineTuningOptions();
        unfrozen.AdditionalProperties[LlavaFineTuningOptions.FreezeVisionTowerKey] = false;
        unfrozen.AdditionalProperties[LlavaFineTuningOptions.ImageFeatureCacheKey] = cache;
        Assert.Throws<ArgumentException>(() => LlavaFineTuningOptions.From(unfrozen));
    }
}
