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
        RejectionSamplingOptions? options = null,
        IEnumerable<IRewardStream>? additional = null) =>
        new(
            model ?? new FakeVisionLanguageModel(Samples),
            new FakeNounExtractor(),
            new LinearRewardCombiner(),
            detector ?? new FakeDetector(id => Present[id]),
            reward,
            options ?? new RejectionSamplingOptions { RewardSources = RewardSources.Automatic },
            additionalStreams: additional);

    /// <summary>Scores one image and selects over it alone (with one stream, normalisation cannot change the order).</summary>
    private static async Task<SupervisionRecord> ProcessAsync(RejectionSamplingTrainer trainer, TrainingItem item, int round = 0)
    {
        var scored = await trainer.ScoreImageAsync(item, round);
        return scored.Status == SupervisionStatus.Failed ? scored : trainer.Select([scored]).Records[0];
    }

    [Fact]
    public async Task One_detector_call_per_image_covers_the_nouns_of_all_k_samples()
    {
        var detector = new FakeDetector(id => Present[id]);

        await Trainer(detector: detector).ScoreImageAsync(Items("img1")[0]);

        var call = Assert.Single(detector.Calls);
        Assert.Equal(["dog", "bench", "cat", "person", "bus"], call.Phrases);
    }

    [Fact]
    public async Task Selects_refines_and_records_every_signal()
    {
        var record = await ProcessAsync(Trainer(), Items("img2")[0]);

        Assert.Equal(SupervisionStatus.Ok, record.Status);
        Assert.Equal(3, record.Chosen);
        Assert.Equal("A car.", record.Target);
        Assert.Equal(5, record.Samples.Count);
        var first = record.Samples[0];
        Assert.Equal(new StreamTotals(1, 2), first.Streams[RewardStreams.Automatic]);
        Assert.Equal(["person"], AutomaticEvidence.From(first.Sentences[1].Signals[RewardStreams.Automatic])!.Missing);
        Assert.Equal(0, record.Samples[3].Rank);
    }

    [Fact]
    public async Task Both_streams_run_and_the_reward_model_can_change_the_choice()
    {
        // Automatic: samples 1..3 of img1 differ only by missing objects; the reward model dislikes "bench".
        var reward = new FakeRewardModel(s => s.Contains("bench", StringComparison.Ordinal) ? -5 : 1);
        var options = new RejectionSamplingOptions { RewardSources = RewardSources.Both };

        var automaticOnly = await ProcessAsync(Trainer(), Items("img1")[0]);
        var both = await ProcessAsync(Trainer(reward: reward, options: options), Items("img1")[0]);

        Assert.Equal(2, automaticOnly.Chosen);
        Assert.Equal(4, both.Chosen);
        Assert.Equal(5, reward.Calls);
        Assert.Equal(-5, RewardModelEvidence.From(both.Samples[0].Sentences[0].Signals[RewardStreams.RewardModel])!.Score);
    }

    [Fact]
    public async Task Reward_model_only_needs_no_detector_and_drops_its_object_hallucinations()
    {
        // The reward model dislikes "bus" (object hallucination) and "person" (attribute error, not dropped).
        var reward = new FakeRewardModel(
            s => s.Contains("bus", StringComparison.Ordinal) ? -1 : s.Contains("person", StringComparison.Ordinal) ? -2 : 1,
            s => s.Contains("bus", StringComparison.Ordinal) ? SentenceErrorKind.ObjectHallucination : SentenceErrorKind.Attribute);
        var model = new FakeVisionLanguageModel((_, _) => ["A car is parked. A bus waits.", "A person walks. A car is parked.", "A bus. A person.", "A bus.", "A person waits."]);
        RejectionSamplingTrainer Make(bool drop) => new(
            model, new FakeNounExtractor(), new LinearRewardCombiner(), null, reward,
            new RejectionSamplingOptions { RewardSources = RewardSources.RewardModel, DropRewardModelHallucinations = drop });

        var record = await ProcessAsync(Make(drop: true), Items("img2")[0]);
        var kept = await ProcessAsync(Make(drop: false), Items("img2")[0]);

        Assert.Equal(0, record.Chosen);
        Assert.Equal("A car is parked.", record.Target);
        var dropped = Assert.Single(record.Dropped);
        Assert.Equal(["object_hallucination"], dropped.Reasons[RewardStreams.RewardModel]);
        Assert.Empty(dropped.MissingObjects);
        Assert.Equal([RewardStreams.RewardModel], dropped.Reasons.Keys); // no other stream took part
        Assert.False(record.Samples[0].Sentences[0].Signals.ContainsKey(RewardStreams.Automatic));
        Assert.Equal("A car is parked. A bus waits.", kept.Target);
    }

    [Fact]
    public void Missing_models_for_the_chosen_sources_are_named()
    {
        var error = Assert.Throws<ArgumentException>(() => new RejectionSamplingTrainer(
            new FakeVisionLanguageModel(Samples), new FakeNounExtractor(), new LinearRewardCombiner(), new FakeDetector(_ => new HashSet<string>()), null,
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
        var records = await Trainer(model: model, detector: new FakeDetector(id => Present.GetValueOrDefault(id) ?? [])).GenerateSupervisionAsync(items, _folder);

        Assert.Equal([SupervisionStatus.Ok, SupervisionStatus.Failed, SupervisionStatus.Failed, SupervisionStatus.Ok], records.Select(r => r.Status));
        Assert.Contains("corrupt.jpg", records[1].Error);
        Assert.Contains("only empty descriptions", records[2].Error);
        Assert.Equal(4, SupervisionJournal.Read(Path.Combine(_folder, "supervision.jsonl")).Count);
        Assert.Equal(4, SupervisionJournal.Read(Path.Combine(_folder, "scores.jsonl")).Count);
    }

    [Fact]
    public async Task Empty_samples_never_win_over_real_ones()
    {
        var model = new FakeVisionLanguageModel((_, _) => ["", "A bus drives by.", " ", "A dog barks.", ""]);

        var record = await ProcessAsync(Trainer(model: model), Items("img1")[0]);

        Assert.Equal(3, record.Chosen);
        Assert.Null(record.Samples[0].Rank);
        Assert.Empty(record.Samples[0].Streams);
    }

    [Fact]
    public async Task Killed_and_resumed_run_gives_the_same_journals_as_an_uninterrupted_run()
    {
        var items = Items("img1", "img2", "img3");
        var uninterrupted = Path.Combine(_folder, "full");
        await Trainer().GenerateSupervisionAsync(items, uninterrupted);

        var resumed = Path.Combine(_folder, "resumed");
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
        await File.AppendAllTextAsync(Path.Combine(resumed, "scores.jsonl"), "{\"image_id\":\"img3\",\"prom");
        var model = new FakeVisionLanguageModel(Samples);
        await Trainer(model: model).GenerateSupervisionAsync(items, resumed);

        Assert.Equal(1, model.SampleCalls);
        foreach (var file in new[] { "scores.jsonl", "supervision.jsonl" })
        {
            Assert.Equal(await File.ReadAllTextAsync(Path.Combine(uninterrupted, file)), await File.ReadAllTextAsync(Path.Combine(resumed, file)));
        }
    }

    [Fact]
    public async Task A_journal_written_before_the_evidence_moved_resumes_and_selects_as_a_new_one()
    {
        // Both streams, a reward model whose label differs from its score and that flags hallucinations,
        // so that every built-in evidence key (and drops from both streams) is in the journal.
        RejectionSamplingTrainer Both(IVisionLanguageModel? model = null) => Trainer(
            model: model,
            reward: new FakeRewardModel(s => s.Contains("cat", StringComparison.Ordinal) ? -0.5 : 0.25) { LabelScore = s => s.Contains("cat", StringComparison.Ordinal) ? -1 : 1 },
            options: new RejectionSamplingOptions { RewardSources = RewardSources.Both });
        var items = Items("img1", "img2", "img3");
        var fresh = Path.Combine(_folder, "fresh");
        await Both().GenerateSupervisionAsync(items, fresh);

        // The same journal as the earlier format wrote it (evidence beside the signal), interrupted after two images.
        var legacy = Path.Combine(_folder, "legacy");
        Directory.CreateDirectory(legacy);
        var lines = await File.ReadAllLinesAsync(Path.Combine(fresh, "scores.jsonl"));
        var old = lines.Skip(1).Take(2).Select(EvidenceBesideTheSignal).ToList();
        Assert.All(old, line => Assert.DoesNotContain("\"evidence\"", line, StringComparison.Ordinal));
        Assert.Contains(old, line => line.Contains("\"missing\":[\"cat\"]", StringComparison.Ordinal) && line.Contains("\"label_score\":-1,\"error\":\"object_hallucination\"", StringComparison.Ordinal));
        await File.WriteAllLinesAsync(Path.Combine(legacy, "scores.jsonl"), [lines[0], .. old]);

        var model = new FakeVisionLanguageModel(Samples);
        await Both(model).GenerateSupervisionAsync(items, legacy);

        Assert.Equal(1, model.SampleCalls);
        Assert.Equal(await File.ReadAllTextAsync(Path.Combine(fresh, "supervision.jsonl")), await File.ReadAllTextAsync(Path.Combine(legacy, "supervision.jsonl")));
        Assert.Equal(lines[3], (await File.ReadAllLinesAsync(Path.Combine(legacy, "scores.jsonl")))[3]);
    }

    // A scores line with every signal's evidence moved beside its penalty, bonus and drop, as journals had it before.
    private static string EvidenceBesideTheSignal(string line)
    {
        var record = System.Text.Json.Nodes.JsonNode.Parse(line)!;
        foreach (var signal in record["samples"]!.AsArray().SelectMany(s => s!["sentences"]!.AsArray()).SelectMany(x => x!["signals"]!.AsObject().Select(p => p.Value!.AsObject())))
        {
            if (signal["evidence"] is System.Text.Json.Nodes.JsonObject evidence)
            {
                signal.Remove("evidence");
                foreach (var (name, value) in evidence.ToList())
                {
                    evidence.Remove(name);
                    signal[name] = value;
                }
            }
        }

        return record.ToJsonString(JournalJson.Options);
    }

    [Fact]
    public async Task A_journal_from_another_data_set_is_refused_with_its_position()
    {
        await Trainer().ScoreAsync(Items("img1"), Path.Combine(_folder, "scores.jsonl"));

        var error = await Assert.ThrowsAsync<InvalidDataException>(() => Trainer().ScoreAsync(Items("img2", "img1"), Path.Combine(_folder, "scores.jsonl")));

        Assert.Contains("record 1", error.Message);
        Assert.Contains("img1", error.Message);
    }

    [Fact]
    public async Task Resuming_with_other_settings_names_each_differing_setting()
    {
        var path = Path.Combine(_folder, "scores.jsonl");
        await Trainer(options: new RejectionSamplingOptions { RewardSources = RewardSources.Automatic, Sampling = { NumSamples = 4 } }).ScoreAsync(Items("img1"), path);

        var other = new RejectionSamplingOptions { RewardSources = RewardSources.Automatic, Sampling = { NumSamples = 2 }, Automatic = { CheckCounts = true } };
        var error = await Assert.ThrowsAsync<JournalSettingsException>(() => Trainer(options: other).ScoreAsync(Items("img1", "img2"), path));

        Assert.Equal(["automatic.check_counts: false in the journal, true now", "sampling.num_samples: 4 in the journal, 2 now"], error.Differences);
        Assert.Contains("remove the journal or use another work directory", error.Message, StringComparison.Ordinal); // what a library caller does
        Assert.DoesNotContain("--restart", error.Message, StringComparison.Ordinal); // a library error names no CLI flag
        Assert.Single(SupervisionJournal.Read(path)); // nothing was lost

        var prompt = await Assert.ThrowsAsync<JournalSettingsException>(() => Trainer(options: new RejectionSamplingOptions { RewardSources = RewardSources.Automatic, Sampling = { NumSamples = 4 } })
            .ScoreAsync([new TrainingItem(ImageInput.FromId("img1"), "Another prompt.")], path));
        Assert.Contains("prompt of image 'img1'", prompt.Message);
    }

    [Fact]
    public async Task A_journal_without_a_header_is_refused()
    {
        var path = Path.Combine(_folder, "scores.jsonl");
        await File.WriteAllTextAsync(path, "{\"image_id\":\"img1\",\"prompt\":\"p\",\"status\":\"scored\"}\n");

        var error = await Assert.ThrowsAsync<InvalidDataException>(() => Trainer().ScoreAsync(Items("img1"), path));

        Assert.Contains("no settings header", error.Message);
    }

    [Fact]
    public async Task Chunks_merged_select_exactly_as_one_unsharded_run_with_two_streams()
    {
        // Two streams: the detector and recorded reward-model judgements, with different spreads,
        // so the data-set statistics decide choices that chunk-local statistics would not.
        var ids = Enumerable.Range(0, 12).Select(i => $"img{(i % 3) + 1}-{i:00}").ToArray();
        var model = new FakeVisionLanguageModel((image, _) => Samples[image.Id.Split('-')[0]]);
        var detector = new FakeDetector(id => Present[id.Split('-')[0]]);
        var judgements = string.Join("\n", ids.SelectMany(id => Samples[id.Split('-')[0]]
            .SelectMany(t => t.Split(". ", StringSplitOptions.None).Select(x => x.EndsWith('.') ? x : x + "."))
            .Distinct()
            .Select((sentence, j) => Judgement(id, sentence, j))));
        var reward = RecordedSentenceRewardModel.Load(judgements, "judgements.jsonl", MissingJudgementPolicy.Error);
        var options = new RejectionSamplingOptions { RewardSources = RewardSources.Both };
        RejectionSamplingTrainer Make() => new(model, new FakeNounExtractor(), new LinearRewardCombiner(), detector, reward, options);
        var items = Items(ids);

        var whole = Path.Combine(_folder, "whole");
        var records = await Make().GenerateSupervisionAsync(items, whole);

        var shards = new List<string>();
        for (var chunk = 0; chunk < 3; chunk++)
        {
            var path = Path.Combine(_folder, $"scores.chunk-{chunk}-of-3.jsonl");
            await Make().ScoreAsync(DatasetShards.GetChunk(items, 3, chunk), path);
            shards.Add(path);
        }

        var merged = Path.Combine(_folder, "merged");
        Directory.CreateDirectory(merged);
        var (header, scored) = SupervisionJournal.Merge(shards, Path.Combine(merged, "scores.jsonl"));
        var trainer = Make();
        var selection = trainer.Select(scored);
        SupervisionJournal.WriteAll(Path.Combine(merged, "supervision.jsonl"), trainer.SupervisionHeader(header!, selection.Statistics), selection.Records);

        Assert.Equal(await File.ReadAllTextAsync(Path.Combine(whole, "scores.jsonl")), await File.ReadAllTextAsync(Path.Combine(merged, "scores.jsonl")));
        Assert.Equal(await File.ReadAllTextAsync(Path.Combine(whole, "supervision.jsonl")), await File.ReadAllTextAsync(Path.Combine(merged, "supervision.jsonl")));
        Assert.Equal(2, SupervisionJournal.ReadAll(Path.Combine(whole, "supervision.jsonl")).Header!.Statistics!.Streams.Count);

        // The chunks' own statistics would have chosen differently for some image: the test can see a broken merge.
        var local = new List<int?>();
        foreach (var shard in shards)
        {
            local.AddRange(Make().Select(SupervisionJournal.Read(shard)).Records.Select(r => r.Chosen));
        }

        Assert.NotEqual(records.Select(r => r.Chosen), local);
    }

    /// <summary>
    /// The reward model dislikes two sentences that the detector accepts, so each image trades one
    /// stream against the other; in the first chunk (positions 0-3) it is five times as loud, so
    /// chunk-local statistics weigh the streams differently from the data set's.
    /// </summary>
    private static string Judgement(string id, string sentence, int j)
    {
        var position = int.Parse(id.Split('-')[1], System.Globalization.CultureInfo.InvariantCulture);
        var disliked = sentence is "A dog sits on a bench." or "Two dogs play." or "A car." or "A dog jumps.";
        var score = disliked ? -(position < 4 ? 5 : 1) : (j % 2);
        var error = disliked && position % 2 == 0 ? "\"attribute\"" : "null";
        return $"{{\"image\":\"{id}\",\"sentence\":\"{sentence}\",\"score\":{score},\"error\":{error}}}";
    }

    [Fact]
    public async Task A_third_stream_of_the_callers_is_scored_journalled_weighted_and_can_drop()
    {
        // A stream that dislikes the word "dog": its penalty outweighs the detector when weighted.
        var third = new WordStream("dog");
        var options = new RejectionSamplingOptions { RewardSources = RewardSources.Automatic };
        var trainer = new RejectionSamplingTrainer(
            new FakeVisionLanguageModel(Samples),
            new FakeNounExtractor(),
            [.. RewardStreams.ForSources(RewardSources.Automatic, new FakeDetector(id => Present[id]), null, options), third],
            new LinearRewardCombiner(new RewardCombinerOptions { Weights = { ["no_dog"] = 10 } }),
            options);

        var records = await trainer.GenerateSupervisionAsync(Items("img1", "img3"), _folder);

        Assert.Equal("automatic,no_dog", SupervisionJournal.ReadAll(Path.Combine(_folder, "scores.jsonl")).Header!.Settings["streams"]);
        Assert.Equal("dog", SupervisionJournal.ReadAll(Path.Combine(_folder, "scores.jsonl")).Header!.Settings["no_dog.word"]);
        Assert.Equal(2, records[1].Chosen); // img3: "A frisbee." is the only sample without a dog
        Assert.Equal(new StreamTotals(1, 0), records[1].Samples[0].Streams["no_dog"]);
        Assert.Equal(["dog"], records[1].Samples[0].Sentences[1].Signals["no_dog"].Drop);
        // img1: every sample names a dog; the least penalised, "A dog sits on a bench.", loses its only
        // sentence to the third stream (the detector found the dog), so the image keeps no target.
        Assert.Equal(2, records[0].Chosen);
        var dropped = Assert.Single(records[0].Dropped);
        Assert.Equal((0, "A dog sits on a bench."), (dropped.SentenceIndex, dropped.Text));
        Assert.Empty(dropped.MissingObjects);
        Assert.Equal(["dog"], dropped.Reasons["no_dog"]);
        Assert.Equal(SupervisionStatus.NoTarget, records[0].Status);
    }

    [Fact]
    public async Task Precomputed_statistics_replace_the_data_sets_and_a_running_window_records_its_own()
    {
        var reward = new FakeRewardModel(s => s.Contains("bench", StringComparison.Ordinal) ? -5 : 1);
        var options = new RejectionSamplingOptions { RewardSources = RewardSources.Both };
        var items = Items("img1", "img2", "img3");
        var scored = await Trainer(reward: reward, options: options).ScoreAsync(items, Path.Combine(_folder, "scores.jsonl"));

        // Statistics that make the reward model negligible: the detector alone decides (img1: sample 2, as automatic-only).
        var loud = new RewardStatistics
        {
            Streams = new Dictionary<string, StreamStatistics>
            {
                [RewardStreams.Automatic] = new(new SignalStatistics(1, 0, 1), new SignalStatistics(1, 0, 1)),
                [RewardStreams.RewardModel] = new(new SignalStatistics(1, 0, 1e30), new SignalStatistics(1, 0, 1e30)),
            },
        };
        var precomputed = Trainer(reward: reward, options: new RejectionSamplingOptions { RewardSources = RewardSources.Both, Selection = { Statistics = loud } }).Select(scored);
        var dataSet = Trainer(reward: reward, options: options).Select(scored);
        var window = Trainer(reward: reward, options: new RejectionSamplingOptions { RewardSources = RewardSources.Both, Selection = { Scope = StatisticsScope.RunningWindow, WindowSize = 5 } }).Select(scored);

        Assert.Same(loud, precomputed.Statistics);
        Assert.Equal(2, precomputed.Records[0].Chosen);
        Assert.Equal(4, dataSet.Records[0].Chosen);
        Assert.All(dataSet.Records, r => Assert.Null(r.Statistics));
        Assert.All(window.Records, r => Assert.Equal(5, r.Statistics!.Streams[RewardStreams.Automatic].Penalty.Count));
    }

    [Fact]
    public async Task Unreadable_judgements_are_recorded_and_counted()
    {
        var reward = new UnreadableRewardModel();
        var options = new RejectionSamplingOptions { RewardSources = RewardSources.Both };
        var reports = new List<RejectionSamplingProgress>();

        var records = await Trainer(reward: reward, options: options).GenerateSupervisionAsync(Items("img1"), _folder, 0, new SynchronousProgress<RejectionSamplingProgress>(reports.Add));

        var sentences = Samples["img1"].Sum(t => t.Split(". ").Length);
        Assert.Equal(sentences, reports[^1].Unreadable);
        Assert.Equal(sentences, RejectionSamplingTrainer.CountUnreadable(records[0]));
        Assert.All(records[0].Samples.SelectMany(s => s.Sentences), s => Assert.Equal(true, RewardModelEvidence.From(s.Signals[RewardStreams.RewardModel])!.Unreadable));
        Assert.Equal(SupervisionStatus.Ok, records[0].Status);
    }

    [Fact]
    public async Task Holistic_granularity_asks_a_description_level_model_once_per_sample()
    {
        var holistic = new HolisticRewardModel();
        var options = new RejectionSamplingOptions { RewardSources = RewardSources.RewardModel, RewardGranularity = RewardGranularity.Holistic };
        var trainer = new RejectionSamplingTrainer(new FakeVisionLanguageModel(Samples), new FakeNounExtractor(), new LinearRewardCombiner(), null, holistic, options);

        var record = await ProcessAsync(trainer, Items("img1")[0]);

        // Each description is judged as a whole: -1 when it mentions a cat; no sentence is dropped on its account.
        Assert.Equal(5, holistic.Descriptions);
        Assert.Equal(0, holistic.Sentences);
        Assert.Equal(new StreamTotals(1, 0), record.Samples[0].Streams[RewardStreams.RewardModel]);
        Assert.Empty(record.Dropped);
        Assert.Equal("holistic", trainer.ScoresHeader().Settings["reward_model.granularity"]);

        var sentenceLevel = Assert.Throws<ArgumentException>(() => new RejectionSamplingTrainer(new FakeVisionLanguageModel(Samples), new FakeNounExtractor(), new LinearRewardCombiner(), null, new FakeRewardModel(_ => 1), options));
        Assert.Contains(nameof(IDescriptionRewardModel), sentenceLevel.Message);
    }

    private sealed class HolisticRewardModel : ISentenceRewardModel, IDescriptionRewardModel
    {
        public int Descriptions { get; private set; }

        public int Sentences { get; private set; }

        public Task<IReadOnlyList<SentenceJudgement>> JudgeAsync(ImageInput image, string prompt, ParsedText description, CancellationToken cancellationToken = default)
        {
            Sentences++;
            return Task.FromResult<IReadOnlyList<SentenceJudgement>>(description.Sentences.Select(_ => new SentenceJudgement(1)).ToList());
        }

        public Task<SentenceJudgement> JudgeDescriptionAsync(ImageInput image, string prompt, ParsedText description, CancellationToken cancellationToken = default)
        {
            Descriptions++;
            return Task.FromResult(description.Text.Contains("cat", StringComparison.Ordinal) ? new SentenceJudgement(-1, SentenceErrorKind.ObjectHallucination) : new SentenceJudgement(0));
        }
    }

    private sealed class UnreadableRewardModel : ISentenceRewardModel
    {
        public Task<IReadOnlyList<SentenceJudgement>> JudgeAsync(ImageInput image, string prompt, ParsedText description, CancellationToken cancellationToken = default) =>
            Task.FromResult<IReadOnlyList<SentenceJudgement>>(description.Sentences.Select(_ => SentenceJudgement.UnreadableReply()).ToList());
    }

    [Fact]
    public void Online_training_needs_at_least_one_round()
    {
        var error = Assert.Throws<ArgumentException>(() => Trainer(options: new RejectionSamplingOptions { Mode = TrainingMode.Online, OnlineRounds = 0, RewardSources = RewardSources.Automatic }));

        Assert.Contains("OnlineRounds", error.Message);
    }

    [Fact]
    public async Task Seeds_depend_on_image_and_round_only()
    {
        var model = new FakeVisionLanguageModel(Samples);
        var trainer = Trainer(model: model);

        await trainer.ScoreImageAsync(Items("img1")[0]);
        await trainer.ScoreImageAsync(Items("img2")[0]);
        await trainer.ScoreImageAsync(Items("img1")[0]);
        await trainer.ScoreImageAsync(Items("img1")[0], round: 1);

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
        Assert.Equal(3, model.Saved.Count);

        // Resumed after every round finished: the rounds' models are restored, not saved again.
        var again = new FakeVisionLanguageModel(Samples);
        await Trainer(model: again, options: options).TrainAsync(Items("img1", "img2"), _folder);
        Assert.Equal(0, again.SampleCalls);
        Assert.Equal(3, again.FineTuneCalls.Count);
        Assert.Empty(again.Saved);
    }

    [Fact]
    public async Task A_model_that_cannot_be_fine_tuned_is_refused_by_TrainAsync()
    {
        var replay = new RecordedVisionLanguageModel(Samples.ToDictionary(p => p.Key, p => (IReadOnlyList<string>)p.Value));

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => Trainer(model: replay).TrainAsync(Items("img1"), _folder));

        Assert.Contains(nameof(IFineTunableVisionLanguageModel), error.Message);
    }

    /// <summary>A third reward stream: penalises (and drops) every sentence containing a word.</summary>
    private sealed class WordStream(string word) : IRewardStream
    {
        public string Name => "no_dog";

        public IReadOnlyDictionary<string, string> Settings { get; } = new Dictionary<string, string> { ["word"] = word };

        public Task<IReadOnlyList<StreamScore>> ScoreAsync(RewardStreamInput input, CancellationToken cancellationToken = default) =>
            Task.FromResult<IReadOnlyList<StreamScore>>(input.Samples
                .Select(sample => StreamScore.Sum(sample.Sentences
                    .Select(s => s.Text.Contains(word, StringComparison.OrdinalIgnoreCase) ? new SentenceSignal { Penalty = 1, Drop = [word] } : null)
                    .ToList()))
                .ToList());
    }

    private sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
