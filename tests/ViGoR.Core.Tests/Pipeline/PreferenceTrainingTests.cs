using ViGoR.Core.Tests.Fakes;

namespace ViGoR.Core.Tests.Pipeline;

public sealed class PreferenceTrainingTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("vigor-preference-").FullName;

    private static readonly Dictionary<string, string[]> Samples = new()
    {
        ["img1"] = ["A dog sits on a bench. A cat sleeps nearby.", "A dog sits on a bench. A person waves.", "A dog sits on a bench.", "A bus drives by. A dog barks.", "Two dogs play."],
        ["img2"] = ["A car is parked. A person is walking in front of the car.", "A car and a bus.", "A tree.", "A car.", "A person and a dog."],
        ["img3"] = ["A frisbee flies. A dog jumps. A cat runs.", "A dog jumps. A bus waits.", "A frisbee.", "A cat.", "A dog and a cat."],
    };

    private static readonly Dictionary<string, HashSet<string>> Present = new()
    {
        ["img1"] = ["dog", "bench"],
        ["img2"] = ["car"],
        ["img3"] = ["dog", "frisbee"],
    };

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static List<TrainingItem> Items() => Samples.Keys.Select(id => new TrainingItem(ImageInput.FromId(id), "Describe this image in detail.")).ToList();

    private static RejectionSamplingTrainer Trainer(IVisionLanguageModel model, RejectionSamplingOptions options) =>
        new(model, new FakeNounExtractor(), new LinearRewardCombiner(), new FakeDetector(id => Present[id]), null, options);

    private static RejectionSamplingOptions Options(TrainingObjective objective, PreferencePairing pairing = PreferencePairing.BestVersusWorst, double sftWeight = 0) => new()
    {
        RewardSources = RewardSources.Automatic,
        Mode = TrainingMode.Online,
        OnlineRounds = 2,
        Objective = objective,
        Dpo = new DpoOptions { Beta = 0.2, Pairing = pairing, SftWeight = sftWeight },
    };

    [Fact]
    public async Task Dpo_trains_each_round_on_the_refined_target_over_the_most_penalised_sample_with_the_reference_kept()
    {
        var model = new FakeVisionLanguageModel(Samples);

        await Trainer(model, Options(TrainingObjective.Dpo)).TrainAsync(Items(), _folder);

        Assert.Empty(model.FineTuneCalls);
        Assert.Equal(2, model.PreferenceCalls.Count);
        Assert.Equal(2, model.ReferenceCalls);
        var records = SupervisionJournal.Read(Path.Combine(_folder, "round-0", "supervision.jsonl")).ToDictionary(r => r.ImageId);
        var (pairs, dpo, options) = model.PreferenceCalls[0];
        Assert.Equal(0.2, dpo.Beta);
        Assert.Equal(Path.Combine(_folder, "round-0", "state"), options.CheckpointDirectory);
        Assert.NotEmpty(pairs);
        foreach (var pair in pairs)
        {
            var record = records[pair.Source!];
            Assert.Equal(record.Target, pair.Chosen);
            Assert.Equal(record.Samples.Where(s => s.Rank is not null).MaxBy(s => s.Rank)!.Text, pair.Rejected);
            Assert.True(record.Samples.Max(s => s.CombinedPenalty) > record.Samples[record.Chosen!.Value].CombinedPenalty);
            Assert.Equal(-pair.Chosen.Length, pair.ReferenceChosenLogProb);
        }

        // Round 1's reference is the model after round 0 (the fake adds the rounds trained to its log-probabilities).
        Assert.All(model.PreferenceCalls[1].Pairs, p => Assert.Equal(-p.Chosen.Length + 1, p.ReferenceChosenLogProb));

        // Resumed: the stored reference is read back, not recomputed by a model that has changed since.
        var again = new FakeVisionLanguageModel(Samples);
        await Trainer(again, Options(TrainingObjective.Dpo)).TrainAsync(Items(), _folder);
        Assert.Equal(0, again.ReferenceCalls);
        Assert.Equal(pairs.Select(p => p.ReferenceChosenLogProb), again.PreferenceCalls[0].Pairs.Select(p => p.ReferenceChosenLogProb));
        Assert.Equal(-pairs[0].Chosen.Length + 1, again.PreferenceCalls[1].Pairs[0].ReferenceChosenLogProb);
    }

    [Fact]
    public async Task A_pairs_file_built_from_other_supervision_is_refused_naming_what_differs()
    {
        await Trainer(new FakeVisionLanguageModel(Samples), Options(TrainingObjective.Dpo)).TrainAsync(Items(), _folder);
        // As if the pairs had been built from another run's supervision: the fingerprint in their header differs.
        var pairsFile = Path.Combine(_folder, "round-0", RejectionSamplingTrainer.PairsFileName);
        var lines = File.ReadAllLines(pairsFile);
        lines[0] = System.Text.RegularExpressions.Regex.Replace(lines[0], "sha256:[0-9a-f]{8}", "sha256:00000000");
        File.WriteAllLines(pairsFile, lines);

        var error = await Assert.ThrowsAsync<JournalSettingsException>(() => Trainer(new FakeVisionLanguageModel(Samples), Options(TrainingObjective.Dpo)).TrainAsync(Items(), _folder));

        Assert.Contains("pairs.jsonl", error.Message, StringComparison.Ordinal);
        Assert.Contains("supervision: sha256:", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Sentence_level_pairs_keep_the_dropped_sentences_in_the_rejected_answer_weighted_by_their_penalty()
    {
        var records = new[] { Record("a", 2.0), Record("b", 6.0), Record("c", 0.0) };

        var pairs = PreferencePairs.FromRecords(records, PreferencePairing.SentenceLevel, r => ImageInput.FromId(r.ImageId));

        Assert.Equal(["a", "b"], pairs.Select(p => p.Source));
        Assert.Equal("A dog. A cat.", pairs[0].Rejected);
        Assert.Equal("A dog.", pairs[0].Chosen);
        Assert.Equal(1.0, pairs.Average(p => p.Weight), 1e-12);
        Assert.Equal(3.0, pairs[1].Weight / pairs[0].Weight, 1e-12);

        // Best versus worst pairs the target with the most penalised sample instead, unweighted.
        var worst = PreferencePairs.FromRecords(records, PreferencePairing.BestVersusWorst, r => ImageInput.FromId(r.ImageId));
        Assert.All(worst, p => Assert.Equal("A bus. A car. A tree.", p.Rejected));
        Assert.All(worst, p => Assert.Equal(1.0, p.Weight));
    }

    // A record whose chosen sample's second sentence was dropped with the given automatic-stream penalty (0: nothing dropped).
    private static SupervisionRecord Record(string id, double penalty)
    {
        var chosen = new SampleRecord
        {
            Index = 0,
            Text = "A dog. A cat.",
            Rank = 0,
            CombinedPenalty = penalty / 2,
            Sentences =
            [
                new SentenceRecord { Text = "A dog.", Signals = new Dictionary<string, SentenceSignal> { ["automatic"] = new() { Penalty = 0 } } },
                new SentenceRecord { Text = "A cat.", Signals = new Dictionary<string, SentenceSignal> { ["automatic"] = new() { Penalty = penalty } } },
            ],
        };
        var worst = new SampleRecord { Index = 1, Text = "A bus. A car. A tree.", Rank = 1, CombinedPenalty = 10 };
        return new SupervisionRecord
        {
            ImageId = id,
            Prompt = "Describe.",
            Status = SupervisionStatus.Ok,
            Samples = [chosen, worst],
            Chosen = 0,
            Target = penalty > 0 ? "A dog." : "A dog. A cat.",
            Dropped = penalty > 0 ? [new DroppedSentence(1, "A cat.", new Dictionary<string, IReadOnlyList<string>> { ["automatic"] = ["missing: cat"] })] : [],
            Statistics = new RewardStatistics { Streams = new SortedDictionary<string, StreamStatistics>(StringComparer.Ordinal) { ["automatic"] = new(new SignalStatistics(10, 1, 4), new SignalStatistics(10, 0, 0)) } },
        };
    }

    [Theory]
    [InlineData(TrainingObjective.SftPlusDpo, 0.0, "> 0")]
    [InlineData(TrainingObjective.Dpo, 1.0, "= 0")]
    public void An_sft_weight_that_contradicts_the_objective_is_refused(TrainingObjective objective, double weight, string expected)
    {
        var error = Assert.Throws<ArgumentException>(() => Trainer(new FakeVisionLanguageModel(Samples), Options(objective, sftWeight: weight)));

        Assert.Contains($"Dpo.SftWeight {expected}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sft_plus_dpo_passes_its_weight_to_the_preference_loss()
    {
        var model = new FakeVisionLanguageModel(Samples);

        await Trainer(model, Options(TrainingObjective.SftPlusDpo, sftWeight: 0.5)).TrainAsync(Items(), _folder);

        Assert.All(model.PreferenceCalls, c => Assert.Equal(0.5, c.Dpo.SftWeight));
    }
}
