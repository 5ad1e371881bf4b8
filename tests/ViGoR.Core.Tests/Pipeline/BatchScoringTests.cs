using ViGoR.Core.Tests.Fakes;

namespace ViGoR.Core.Tests.Pipeline;

/// <summary>
/// Image-batched scoring: each stream scores a batch of images in one call, and the journal holds
/// exactly the records of scoring image by image.
/// </summary>
public sealed class BatchScoringTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("vigor-batch-").FullName;

    private static readonly Dictionary<string, string[]> Samples = new()
    {
        ["img1"] = ["A dog sits on a bench. A cat sleeps nearby.", "A dog sits on a bench. A person waves.", "Two dogs play."],
        ["img2"] = ["A car is parked. A person is walking.", "A car and a bus.", "A tree."],
        ["img3"] = ["A frisbee flies. A dog jumps.", "A cat.", "A dog and a cat."],
        ["img4"] = ["A bus.", "A person and a dog.", "A bench."],
        ["img5"] = ["A cat.", "A car.", "A dog."],
    };

    private static readonly Dictionary<string, HashSet<string>> Present = new()
    {
        ["img1"] = ["dog", "bench"],
        ["img2"] = ["car"],
        ["img3"] = ["dog", "frisbee"],
        ["img4"] = ["bus", "person"],
        ["img5"] = ["cat"],
    };

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    /// <summary>Answers batches only; a single-image call is a failure. Decodes each image, as a real detector would.</summary>
    private sealed class BatchOnlyDetector : IBatchGroundingDetector
    {
        private readonly FakeDetector _inner = new(id => Present[id]);

        public List<IReadOnlyList<GroundingQuery>> BatchCalls { get; } = [];

        public Task<IReadOnlyList<Detection>> DetectAsync(ImageInput image, IReadOnlyList<string> phrases, GroundingOptions? options = null, CancellationToken cancellationToken = default)
        {
            image.Decode();
            return _inner.DetectAsync(image, phrases, options, cancellationToken);
        }

        public async Task<IReadOnlyList<IReadOnlyList<Detection>>> DetectBatchAsync(IReadOnlyList<GroundingQuery> queries, GroundingOptions? options = null, CancellationToken cancellationToken = default)
        {
            BatchCalls.Add(queries);
            var result = new List<IReadOnlyList<Detection>>();
            foreach (var query in queries)
            {
                query.Image.Decode();
                result.Add(await _inner.DetectAsync(query.Image, query.Phrases, options, cancellationToken));
            }

            return result;
        }
    }

    /// <summary>Judges by a rule on the sentence's text; counts per-description and batched calls.</summary>
    private sealed class CountingRewardModel : IBatchSentenceRewardModel
    {
        private readonly FakeRewardModel _inner = new(text => text.Contains("cat", StringComparison.Ordinal) ? -1 : 0.5);

        public List<int> BatchSizes { get; } = [];

        public int SingleCalls { get; private set; }

        public Task<IReadOnlyList<SentenceJudgement>> JudgeAsync(ImageInput image, string prompt, ParsedText description, CancellationToken cancellationToken = default)
        {
            SingleCalls++;
            return _inner.JudgeAsync(image, prompt, description, cancellationToken);
        }

        public async Task<IReadOnlyList<IReadOnlyList<SentenceJudgement>>> JudgeBatchAsync(IReadOnlyList<SentenceRewardRequest> requests, CancellationToken cancellationToken = default)
        {
            BatchSizes.Add(requests.Select(r => r.Image).Distinct().Count());
            var result = new List<IReadOnlyList<SentenceJudgement>>();
            foreach (var request in requests)
            {
                result.Add(await _inner.JudgeAsync(request.Image, request.Prompt, request.Description, cancellationToken));
            }

            return result;
        }
    }

    private static List<TrainingItem> Items(string? broken = null) => Samples.Keys
        .Select(id => new TrainingItem(id == broken ? ImageInput.FromBytes(id, new byte[] { 1, 2, 3 }) : ImageInput.FromPixels(new RgbImage(id, 1, 1, [0, 0, 0])), "Describe this image in detail."))
        .ToList();

    private static RejectionSamplingTrainer Trainer(IGroundingDetector detector, ISentenceRewardModel reward, int imageBatch) => new(
        new FakeVisionLanguageModel((image, options) => Samples[image.Id].Take(options.NumSamples).ToList()),
        new FakeNounExtractor(),
        new LinearRewardCombiner(),
        detector,
        reward,
        new RejectionSamplingOptions { RewardSources = RewardSources.Both, Sampling = new SamplingOptions { NumSamples = 3 }, ImageBatchSize = imageBatch });

    private async Task<string[]> JournalAsync(RejectionSamplingTrainer trainer, List<TrainingItem> items, string name)
    {
        var path = Path.Combine(_folder, name);
        await trainer.ScoreAsync(items, path);
        return await File.ReadAllLinesAsync(path);
    }

    [Fact]
    public async Task Each_stream_scores_a_batch_of_images_in_one_call_and_the_journal_equals_image_by_image()
    {
        var batchDetector = new BatchOnlyDetector();
        var batchReward = new CountingRewardModel();
        var batched = await JournalAsync(Trainer(batchDetector, batchReward, imageBatch: 3), Items(), "batched.jsonl");
        var oneDetector = new BatchOnlyDetector();
        var oneReward = new CountingRewardModel();
        var one = await JournalAsync(Trainer(oneDetector, oneReward, imageBatch: 1), Items(), "one.jsonl");

        Assert.Equal(one, batched);
        Assert.Equal(6, batched.Length); // header and five images, in data-set order
        Assert.Equal([3, 2], batchDetector.BatchCalls.Select(c => c.Count));
        Assert.Equal(["dog", "bench", "cat", "person"], batchDetector.BatchCalls[0][0].Phrases);
        Assert.Equal(["car", "person", "bus", "tree"], batchDetector.BatchCalls[0][1].Phrases);
        Assert.Equal([3, 2], batchReward.BatchSizes);
        Assert.Equal(0, batchReward.SingleCalls);
        Assert.Empty(oneDetector.BatchCalls);
        Assert.Equal([1, 1, 1, 1, 1], oneReward.BatchSizes);
    }

    /// <summary>A decorator that changes nothing: what every Delegating* base class gives for free.</summary>
    private sealed class PassThroughDetector(IGroundingDetector inner) : DelegatingGroundingDetector(inner);

    private sealed class PassThroughRewardModel(ISentenceRewardModel inner) : DelegatingSentenceRewardModel(inner);

    private sealed class PassThroughVisionLanguageModel(IVisionLanguageModel inner) : DelegatingVisionLanguageModel(inner);

    private sealed class PassThroughNounExtractor(INounExtractor inner) : DelegatingNounExtractor(inner);

    public static TheoryData<string> Decorators() => ["pass-through", "caching", "logging"];

    [Theory]
    [MemberData(nameof(Decorators))]
    public async Task Wrapped_components_keep_batching_and_the_journal_identity(string decorator)
    {
        var batchDetector = new BatchOnlyDetector();
        var batchReward = new CountingRewardModel();
        IGroundingDetector detector = decorator switch
        {
            "caching" => new CachingGroundingDetector(batchDetector),
            "logging" => new LoggingGroundingDetector(batchDetector, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance),
            _ => new PassThroughDetector(batchDetector),
        };
        ISentenceRewardModel reward = decorator == "caching" ? new CachingSentenceRewardModel(batchReward) : new PassThroughRewardModel(batchReward);
        var trainer = new RejectionSamplingTrainer(
            new PassThroughVisionLanguageModel(new FakeVisionLanguageModel((image, options) => Samples[image.Id].Take(options.NumSamples).ToList())),
            new PassThroughNounExtractor(new FakeNounExtractor()),
            new LinearRewardCombiner(),
            detector,
            reward,
            new RejectionSamplingOptions { RewardSources = RewardSources.Both, Sampling = new SamplingOptions { NumSamples = 3 }, ImageBatchSize = 3 });

        var wrapped = await JournalAsync(trainer, Items(), "wrapped.jsonl");
        var plain = await JournalAsync(Trainer(new BatchOnlyDetector(), new CountingRewardModel(), imageBatch: 3), Items(), "plain.jsonl");

        Assert.Equal(plain, wrapped); // the header names the inner components, and the records are theirs
        Assert.Equal([3, 2], batchDetector.BatchCalls.Select(c => c.Count));
        Assert.Equal([3, 2], batchReward.BatchSizes);
        Assert.Equal(0, batchReward.SingleCalls);
        Assert.Same(detector, detector.GetService<IBatchGroundingDetector>()); // calls still pass through the wrapper
        Assert.Null(new PassThroughDetector(new FakeDetector(_ => new HashSet<string>())).GetService<IBatchGroundingDetector>()); // no batching to keep
    }

    [Fact]
    public async Task An_undecodable_image_fails_alone_when_it_breaks_a_shared_call()
    {
        var detector = new BatchOnlyDetector();
        var batched = await JournalAsync(Trainer(detector, new CountingRewardModel(), imageBatch: 3), Items(broken: "img2"), "batched.jsonl");
        var one = await JournalAsync(Trainer(new BatchOnlyDetector(), new CountingRewardModel(), imageBatch: 1), Items(broken: "img2"), "one.jsonl");

        Assert.Equal(one, batched);
        var records = batched.Skip(1).Select(line => System.Text.Json.JsonSerializer.Deserialize<SupervisionRecord>(line, JournalJson.Options)!).ToList();
        Assert.Equal([SupervisionStatus.Scored, SupervisionStatus.Failed, SupervisionStatus.Scored, SupervisionStatus.Scored, SupervisionStatus.Scored], records.Select(r => r.Status));
        Assert.Contains("img2", records[1].Error, StringComparison.Ordinal);
    }
}
