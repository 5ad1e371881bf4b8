using ViGoR.Core.Tests.Fakes;

namespace ViGoR.Core.Tests.Pipeline;

public sealed class TrainerTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("vigor-trainer-").FullName;

    private static readonly Dictionary<string, string[]> Samples = new()
    {
        ["img1"] = ["A dog sits on a bench. A cat sleeps nearby.", "A dog sits on a bench. A person waves.", "A dog sits on a bench.", "A bus drives by. A dog barks.", "Two dogs play."],
        ["img2"] = ["A car is parked. A person is walking in front of the car.", "A car and a bus.", "A tree.", "A car.", "A person and a dog."],
        ["img3"] = ["A frisbee flies. A dog jumps.", "A dog jumps.", "A frisbee.", "A cat.", "A dog and a cat."],
    };

    private static readonly Dictionary<string, HashSet<string>> Present = new()
    {
        ["img1"] = ["dog", "bench"],
        ["img2"] = ["car"],
        ["img3"] = ["dog", "frisbee"],
    };

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static List<TrainingItem> Items(params string[] ids) => ids.Select(id => new TrainingItem(ImageInput.FromId(id), "Describe this image in detail.")).ToList();

    private static RejectionSamplingTrainer Trainer(
        IVisionLanguageModel? model = null,
        FakeDetector? detector = null,
        ISentenceRewardModel? reward = null,
        RejectionSamplingOptions? options = null) =>
        new(
            model ?? new FakeVisionLanguageModel(Samples),
            new FakeNounExtractor(),
            new VarianceScaledRewardCombiner(),
            detector ?? new FakeDetector(id => Present[id]),
            reward,
            options ?? new RejectionSamplingOptions { RewardSources = RewardSources.Automatic });

    [Fact]
    public async Task One_detector_call_per_image_covers_the_nouns_of_all_k_samples()
    {
        var detector = new FakeDetector(id => Present[id]);

        await Trainer(detector: detector).ProcessImageAsync(Items("img1")[0]);

        var call = Assert.Single(detector.Calls);
        Assert.Equal(["dog", "bench", "cat", "person", "bus"], call.Phrases);
    }

    [Fact]
    public async Task Selects_refines_and_records_every_signal()
    {
        var record = await Trainer().ProcessImageAsync(Items("img2")[0]);

        Assert.Equal(SupervisionStatus.Ok, record.Status);
        Assert.Equal(3, record.Chosen);
        Assert.Equal("A car.", record.Target);
        Assert.Equal(5, record.Samples.Count);
        var first = record.Samples[0];
        Assert.Equal(1, first.AutomaticPenalty);
        Assert.Equal(["person"], first.Sentences[1].Missing);
        Assert.Equal(0, record.Samples[3].Rank);
    }

    [Fact]
    public async Task Both_streams_run_and_the_reward_model_can_change_the_choice()
    {
        // Automatic: samples 1..3 of img1 differ only by missing objects; the reward model dislikes "bench".
        var reward = new FakeRewardModel(s => s.Contains("bench", StringComparison.Ordinal) ? -5 : 1);
        var options = new RejectionSamplingOptions { RewardSources = RewardSources.Both };

        var automaticOnly = await Trainer().ProcessImageAsync(Items("img1")[0]);
        var both = await Trainer(reward: reward, options: options).ProcessImageAsync(Items("img1")[0]);

        Assert.Equal(2, automaticOnly.Chosen);
        Assert.Equal(4, both.Chosen);
        Assert.Equal(5, reward.Calls);
        Assert.NotNull(both.Samples[0].Sentences[0].RewardScore);
    }

    [Fact]
    public async Task Reward_model_only_needs_no_detector_and_does_not_refine()
    {
        var reward = new FakeRewardModel(s => s.Contains("person", StringComparison.Ordinal) ? -1 : 1);
        var trainer = new RejectionSamplingTrainer(
            new FakeVisionLanguageModel(Samples), new FakeNounExtractor(), new VarianceScaledRewardCombiner(), null, reward,
            new RejectionSamplingOptions { RewardSources = RewardSources.RewardModel });

        var record = await trainer.ProcessImageAsync(Items("img2")[0]);

        Assert.Equal(1, record.Chosen);
        Assert.Equal("A car and a bus.", record.Target);
        Assert.Null(record.Samples[1].Sentences[0].Missing);
    }

    [Fact]
    public void Missing_models_for_the_chosen_sources_are_named()
    {
        var error = Assert.Throws<ArgumentException>(() => new RejectionSamplingTrainer(
            new FakeVisionLanguageModel(Samples), new FakeNounExtractor(), new VarianceScaledRewardCombiner(), new FakeDetector(_ => new HashSet<string>()), null,
            new RejectionSamplingOptions { RewardSources = RewardSources.Both }));

        Assert.Contains(nameof(ISentenceRewardModel), error.Message);
    }

    [Fact]
    public async Task Bad_images_and_empty_text_are_recorded_as_failures_and_the_run_continues()
    {
        var corrupt = Path.Combine(_folder, "corrupt.jpg");
        await File.WriteAllBytesAsync(corrupt, [0xFF, 0xD8, 0x00, 0x13, 0x37]);
        var model = new FakeVisionLanguageModel((image, options) => image.Id switch
        {
            "empty" => ["", " ", "\n", "", ""],
            "corrupt.jpg" => image.Decode() is { } ? ["unreachable"] : [],
            _ => Samples[image.Id].Take(options.NumSamples).ToList(),
        });
        var items = new List<TrainingItem>
        {
            Items("img1")[0],
            new(ImageInput.FromFile(corrupt), "Describe."),
            new(ImageInput.FromId("empty"), "Describe."),
            Items("img3")[0],
        };
        var journal = Path.Combine(_folder, "journal.jsonl");

        var records = await Trainer(model: model, detector: new FakeDetector(id => Present.GetValueOrDefault(id) ?? [])).GenerateSupervisionAsync(items, journal);

        Assert.Equal([SupervisionStatus.Ok, SupervisionStatus.Failed, SupervisionStatus.Failed, SupervisionStatus.Ok], records.Select(r => r.Status));
        Assert.Contains("corrupt.jpg", records[1].Error);
        Assert.Contains("only empty descriptions", records[2].Error);
        Assert.Equal(4, SupervisionJournal.Read(journal).Count);
    }

    [Fact]
    public async Task Empty_samples_never_win_over_real_ones()
    {
        var model = new FakeVisionLanguageModel((_, _) => ["", "A bus drives by.", " ", "A dog barks.", ""]);

        var record = await Trainer(model: model).ProcessImageAsync(Items("img1")[0]);

        Assert.Equal(3, record.Chosen);
        Assert.Equal(-1, record.Samples[0].Rank);
    }

    [Fact]
    public async Task Killed_and_resumed_run_gives_the_same_records_as_an_uninterrupted_run()
    {
        var items = Items("img1", "img2", "img3");
        var uninterrupted = Path.Combine(_folder, "full.jsonl");
        await Trainer().GenerateSupervisionAsync(items, uninterrupted);

        var resumed = Path.Combine(_folder, "resumed.jsonl");
        using var cancellation = new CancellationTokenSource();
        var progress = new SynchronousProgress<RejectionSamplingProgress>(p =>
        {
            if (p.Completed == 2)
            {
                cancellation.Cancel();
            }
        });
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Trainer().GenerateSupervisionAsync(items, resumed, 0, progress, cancellation.Token));

        // A crash in the middle of a write leaves a torn line behind.
        await File.AppendAllTextAsync(resumed, "{\"image_id\":\"img3\",\"prom");
        var model = new FakeVisionLanguageModel(Samples);
        await Trainer(model: model).GenerateSupervisionAsync(items, resumed);

        Assert.Equal(1, model.SampleCalls);
        Assert.Equal(await File.ReadAllTextAsync(uninterrupted), await File.ReadAllTextAsync(resumed));
    }

    [Fact]
    public async Task Resume_replays_the_running_variance_window()
    {
        var items = Items("img1", "img2", "img3");
        var full = Path.Combine(_folder, "full.jsonl");
        var fullRecords = await Trainer().GenerateSupervisionAsync(items, full);

        var partial = Path.Combine(_folder, "partial.jsonl");
        await Trainer().GenerateSupervisionAsync(items.Take(2).ToList(), partial);
        var resumedRecords = await Trainer().GenerateSupervisionAsync(items, partial);

        Assert.Equal(fullRecords[2].Variances, resumedRecords[2].Variances);
    }

    [Fact]
    public async Task A_journal_from_another_data_set_is_refused_with_its_position()
    {
        var journal = Path.Combine(_folder, "journal.jsonl");
        await Trainer().GenerateSupervisionAsync(Items("img1"), journal);

        var error = await Assert.ThrowsAsync<InvalidDataException>(() => Trainer().GenerateSupervisionAsync(Items("img2", "img1"), journal));

        Assert.Contains("record 1", error.Message);
        Assert.Contains("img1", error.Message);
    }

    [Fact]
    public async Task Seeds_depend_on_image_and_round_only()
    {
        var model = new FakeVisionLanguageModel(Samples);
        var trainer = Trainer(model: model);

        await trainer.ProcessImageAsync(Items("img1")[0]);
        await trainer.ProcessImageAsync(Items("img2")[0]);
        await trainer.ProcessImageAsync(Items("img1")[0]);
        await trainer.ProcessImageAsync(Items("img1")[0], round: 1);

        Assert.Equal(model.Seeds[0], model.Seeds[2]);
        Assert.NotEqual(model.Seeds[0], model.Seeds[1]);
        Assert.NotEqual(model.Seeds[0], model.Seeds[3]);
        Assert.Equal(RejectionSamplingTrainer.DeriveSeed(1234, "img1", 0), model.Seeds[0]);
    }

    [Fact]
    public async Task Offline_training_fine_tunes_once_on_the_refined_targets_with_the_papers_defaults()
    {
        var model = new FakeVisionLanguageModel(Samples);

        var final = await Trainer(model: model).TrainAsync(Items("img1", "img2", "img3"), _folder);

        var (examples, options) = Assert.Single(model.FineTuneCalls);
        Assert.Equal(["img1", "img2", "img3"], examples.Select(e => e.Image.Id));
        Assert.Equal("A car.", examples[1].Target);
        Assert.Equal((2e-5, 2, 32), (options.LearningRate, options.Epochs, options.BatchSize));
        Assert.Equal(Path.Combine(_folder, "round-0", "state"), options.CheckpointDirectory);
        Assert.Equal(Path.Combine(_folder, "round-0", "model"), final);
        Assert.Equal([final], model.Saved);
    }

    [Fact]
    public async Task Online_training_regenerates_supervision_every_round()
    {
        var model = new FakeVisionLanguageModel(Samples);
        var options = new RejectionSamplingOptions { RewardSources = RewardSources.Automatic, Mode = TrainingMode.Online, OnlineRounds = 3 };

        var final = await Trainer(model: model, options: options).TrainAsync(Items("img1", "img2"), _folder);

        Assert.Equal(6, model.SampleCalls);
        Assert.Equal(3, model.FineTuneCalls.Count);
        Assert.Equal(Path.Combine(_folder, "round-2", "model"), final);
        Assert.All(SupervisionJournal.Read(Path.Combine(_folder, "round-1", "supervision.jsonl")), r => Assert.Equal(1, r.Round));
    }

    [Fact]
    public async Task A_model_that_cannot_be_fine_tuned_is_refused_by_TrainAsync()
    {
        var replay = new RecordedVisionLanguageModel(Samples.ToDictionary(p => p.Key, p => (IReadOnlyList<string>)p.Value));

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => Trainer(model: replay).TrainAsync(Items("img1"), _folder));

        Assert.Contains(nameof(IFineTunableVisionLanguageModel), error.Message);
    }

    private sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
