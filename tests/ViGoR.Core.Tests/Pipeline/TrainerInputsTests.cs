using Microsoft.Extensions.Logging;
using ViGoR.Core.Tests.Fakes;

namespace ViGoR.Core.Tests.Pipeline;

/// <summary>Issue 18 in the library: failed images are logged and counted, headers record what applies as it was given, chunks merge by their headers.</summary>
public sealed class TrainerInputsTests : IDisposable
{
    private static readonly Dictionary<string, string[]> Samples = new()
    {
        ["img1"] = ["A dog sits on a bench.", "A dog and a cat.", "A dog.", "A bench.", "A cat."],
        ["img2"] = ["A car is parked.", "A car and a bus.", "A tree.", "A car.", "A bus."],
        ["img3"] = ["A frisbee flies.", "A dog jumps.", "A frisbee.", "A cat.", "A dog and a cat."],
    };

    private readonly string _folder = Directory.CreateTempSubdirectory("vigor-inputs-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static RejectionSamplingTrainer Trainer(IGroundingDetector? detector = null, IVisionLanguageModel? model = null, RejectionSamplingOptions? options = null, ILogger<RejectionSamplingTrainer>? logger = null) =>
        new(model ?? new FakeVisionLanguageModel(Samples), new FakeNounExtractor(), new LinearRewardCombiner(), detector ?? new FakeDetector(_ => new HashSet<string> { "dog", "car" }), null,
            options ?? new RejectionSamplingOptions { RewardSources = RewardSources.Automatic }, logger);

    [Fact]
    public async Task A_missing_image_is_logged_with_its_reason_and_counted()
    {
        var missing = Path.Combine(_folder, "gone.png");
        TrainingItem[] items =
        [
            new(ImageInput.FromId("img1"), "Describe."),
            new(ImageInput.FromFile(missing, "img2"), "Describe."),
            new(ImageInput.FromId("img3"), "Describe."),
        ];
        var logger = new ListLogger<RejectionSamplingTrainer>();
        var progress = new List<RejectionSamplingProgress>();

        var records = await Trainer(new PixelDetector(), logger: logger).ScoreAsync(items, Path.Combine(_folder, "scores.jsonl"), progress: new SyncProgress<RejectionSamplingProgress>(progress.Add));

        Assert.Equal(SupervisionStatus.Failed, records[1].Status);
        Assert.Equal(1, progress[^1].Failed);
        Assert.Contains(logger.Lines, l => l.Level == LogLevel.Warning && l.Text.Contains("img2", StringComparison.Ordinal) && l.Text.Contains(missing, StringComparison.Ordinal));
        Assert.Contains(logger.Lines, l => l.Level == LogLevel.Warning && l.Text.StartsWith("1 of 3 images failed", StringComparison.Ordinal));
    }

    [Fact]
    public void Header_numbers_are_written_as_given_and_replayed_samples_record_no_sampling_settings()
    {
        var sampled = Trainer(options: new RejectionSamplingOptions { RewardSources = RewardSources.Automatic, Sampling = new SamplingOptions { Temperature = 0.7f, TopP = 0.9f } }).ScoresHeader().Settings;
        Assert.Equal("0.7", sampled["sampling.temperature"]);
        Assert.Equal("0.9", sampled["sampling.top_p"]);
        Assert.Equal("512", sampled["sampling.max_new_tokens"]);

        var recorded = new RecordedVisionLanguageModel(Samples.ToDictionary(kv => kv.Key, kv => (IReadOnlyList<string>)kv.Value));
        var replayed = Trainer(model: recorded).ScoresHeader().Settings;
        Assert.Equal("5", replayed["sampling.num_samples"]);
        Assert.DoesNotContain(replayed.Keys, k => k is "sampling.max_new_tokens" or "sampling.temperature" or "sampling.top_p" or "sampling.top_k" or "sampling.seed");
    }

    [Fact]
    public async Task Chunks_merge_by_their_headers_whatever_their_names_and_a_missing_or_repeated_chunk_is_named()
    {
        var items = Samples.Keys.Select(id => new TrainingItem(ImageInput.FromId(id), "Describe.")).ToList();
        var whole = Path.Combine(_folder, "whole.jsonl");
        await Trainer().ScoreAsync(items, whole);
        string[] names = ["zebra.jsonl", "apple.jsonl", "mango.jsonl"]; // sorted by name: chunk 1, 2, 0
        for (var chunk = 0; chunk < 3; chunk++)
        {
            var options = new RejectionSamplingOptions { RewardSources = RewardSources.Automatic, Chunk = new DatasetChunk(chunk, 3) };
            await Trainer(options: options).ScoreAsync(DatasetShards.GetChunk(items, 3, chunk), Path.Combine(_folder, names[chunk]));
        }

        string[] paths = [.. names.Order(StringComparer.Ordinal).Select(n => Path.Combine(_folder, n))];
        var merged = Path.Combine(_folder, "merged.jsonl");
        SupervisionJournal.Merge(paths, merged);
        Assert.Equal(await File.ReadAllTextAsync(whole), await File.ReadAllTextAsync(merged));

        var missing = Assert.Throws<InvalidDataException>(() => SupervisionJournal.Merge([paths[0], paths[2]], merged));
        Assert.Contains("chunk 2 of 0..2 is missing", missing.Message, StringComparison.Ordinal);
        var repeated = Assert.Throws<InvalidDataException>(() => SupervisionJournal.Merge([.. paths, paths[0]], merged));
        Assert.Contains("chunk 1 is in", repeated.Message, StringComparison.Ordinal);
        var mixed = Assert.Throws<InvalidDataException>(() => SupervisionJournal.Merge([.. paths, whole], merged));
        Assert.Contains(whole, mixed.Message, StringComparison.Ordinal);

        // A chunk journal resumes only as that chunk.
        var other = new RejectionSamplingOptions { RewardSources = RewardSources.Automatic, Chunk = new DatasetChunk(1, 4) };
        var resume = await Assert.ThrowsAsync<JournalSettingsException>(() => Trainer(options: other).ScoreAsync(DatasetShards.GetChunk(items, 3, 0), Path.Combine(_folder, names[0])));
        Assert.Contains("chunk: 0 of 3 in the journal, 1 of 4 now", resume.Message, StringComparison.Ordinal);
    }

    /// <summary>A detector that needs the pixels, as Grounding DINO does.</summary>
    private sealed class PixelDetector : IGroundingDetector
    {
        public Task<IReadOnlyList<Detection>> DetectAsync(ImageInput image, IReadOnlyList<string> phrases, GroundingOptions? options = null, CancellationToken cancellationToken = default)
        {
            if (image.HasPixels)
            {
                image.Decode();
            }

            return Task.FromResult<IReadOnlyList<Detection>>([]);
        }
    }

    private sealed class SyncProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
