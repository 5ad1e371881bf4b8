using ViGoR.Core.Tests.Fakes;

namespace ViGoR.Core.Tests.Pipeline;

public sealed class MemoryTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("vigor-memory-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task Decoded_images_are_released_so_memory_does_not_grow_with_the_data_set()
    {
        // 320x240 RGB is 230 KB decoded: 500 images kept alive would hold 115 MB more than 50.
        var png = Path.Combine(_folder, "image.png");
        await File.WriteAllBytesAsync(png, new RgbImage("image", 320, 240, Enumerable.Range(0, 320 * 240 * 3).Select(i => (byte)(i * 7)).ToArray()).EncodePng());
        var model = new FakeVisionLanguageModel((image, _) => image.Decode().Width > 0 ? ["A dog runs.", "A cat sleeps.", "A dog and a cat.", "A bus.", "A dog."] : []);
        var trainer = new RejectionSamplingTrainer(
            model, new FakeNounExtractor(), new LinearRewardCombiner(), new FakeDetector(_ => new HashSet<string> { "dog" }), null,
            new RejectionSamplingOptions { RewardSources = RewardSources.Automatic });

        async Task<long> RetainedAfter(int count)
        {
            var items = Enumerable.Range(0, count).Select(i => new TrainingItem(ImageInput.FromFile(png, $"img{i}"), "Describe.")).ToList();
            var records = await trainer.ScoreAsync(items, Path.Combine(_folder, $"scores-{count}.jsonl"));
            Assert.Equal(count, records.Count);
            Assert.All(items, i => Assert.False(i.Image.IsDecoded));
            GC.Collect();
            GC.WaitForPendingFinalizers();
            var retained = GC.GetTotalMemory(forceFullCollection: true);
            GC.KeepAlive(items);
            GC.KeepAlive(records);
            return retained;
        }

        var small = await RetainedAfter(50);
        var large = await RetainedAfter(500);

        // The 450 extra records and items are a few KB each; their decoded images would be 100+ MB.
        Assert.True(large - small < 20_000_000, $"retained memory grew by {(large - small) / 1e6:F1} MB from 50 to 500 images");
    }
}
