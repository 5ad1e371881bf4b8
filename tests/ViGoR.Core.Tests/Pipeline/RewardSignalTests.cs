using Microsoft.Extensions.DependencyInjection;
using ViGoR.Core.Tests.Fakes;

namespace ViGoR.Core.Tests.Pipeline;

public sealed class RewardSignalTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("vigor-signal-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    /// <summary>
    /// As a first-token reward model judges: "dog" is most probably correct but the model is unsure
    /// (expected score -0.2), "cat" is most probably an object hallucination (expected -0.4), "car"
    /// comes from a model whose score already is its label (-0.5, no label score).
    /// </summary>
    private static FakeRewardModel Uncertain() => new(
        s => s.Contains("dog", StringComparison.Ordinal) ? -0.2 : s.Contains("cat", StringComparison.Ordinal) ? -0.4 : -0.5)
    {
        LabelScore = s => s.Contains("dog", StringComparison.Ordinal) ? 1 : s.Contains("cat", StringComparison.Ordinal) ? -1 : null,
    };

    private static async Task<StreamScore> ScoreAsync(ISentenceRewardModel model, RewardModelStreamOptions? options, string text)
    {
        var input = new RewardStreamInput(ImageInput.FromId("img"), "Describe.", [await new FakeNounExtractor().ExtractAsync(text)]);
        return (await new RewardModelStream(model, options).ScoreAsync(input))[0];
    }

    [Fact]
    public async Task By_default_a_sentence_judged_correct_has_no_penalty_however_unsure_and_an_error_has_its_labels_penalty()
    {
        var score = await ScoreAsync(Uncertain(), options: null, "A dog runs. A cat sleeps. A car waits.");

        Assert.Equal([(0.0, 1.0), (1.0, 0.0), (0.5, 0.0)], score.Sentences.Select(s => (s!.Penalty, s.Bonus)));
        Assert.Equal((1.5, 1.0), (score.Penalty, score.Bonus));
        Assert.Equal([-0.2, -0.4, -0.5], score.Sentences.Select(s => RewardModelEvidence.From(s)!.Score!.Value)); // the expectation stays on record
        Assert.Equal([1.0, -1.0, null], score.Sentences.Select(s => RewardModelEvidence.From(s)!.LabelScore));
        Assert.Equal(RewardSignal.Label, new RejectionSamplingOptions().RewardSignal);
    }

    [Fact]
    public async Task The_expected_signal_is_the_score_as_before()
    {
        var model = Uncertain();
        var parsed = await new FakeNounExtractor().ExtractAsync("A dog runs. A cat sleeps. A car waits.");
        var judgements = await model.JudgeAsync(ImageInput.FromId("img"), "Describe.", parsed);

        var score = await ScoreAsync(model, new RewardModelStreamOptions { Signal = RewardSignal.Expected }, parsed.Text);

        Assert.Equal(judgements.Select(j => (j.Penalty, j.Bonus)), score.Sentences.Select(s => (s!.Penalty, s.Bonus)));
        Assert.Equal((0.2 + 0.4 + 0.5, 0.0), (score.Penalty, score.Bonus));
    }

    [Fact]
    public async Task Holistic_judgements_follow_the_same_rule()
    {
        var whole = new SentenceJudgement(-0.3) { LabelScore = 2 };

        var label = await ScoreAsync(new HolisticRewardModel(whole), new RewardModelStreamOptions { Granularity = RewardGranularity.Holistic }, "A dog runs. A cat sleeps.");
        var expected = await ScoreAsync(new HolisticRewardModel(whole), new RewardModelStreamOptions { Granularity = RewardGranularity.Holistic, Signal = RewardSignal.Expected }, "A dog runs. A cat sleeps.");

        Assert.Equal((0.0, 2.0), (label.Penalty, label.Bonus));
        Assert.Equal((0.3, 0.0), (expected.Penalty, expected.Bonus));
    }

    [Fact]
    public async Task The_label_signal_no_longer_prefers_the_shortest_of_samples_the_model_finds_correct()
    {
        // Every sentence is most probably correct, each with the same doubt: summed expectations make
        // the one-sentence sample the least penalised; the labels leave no penalty and the longer,
        // correct description wins on its positive signal.
        var model = new FakeRewardModel(_ => -0.1) { LabelScore = _ => 1 };
        var samples = new FakeVisionLanguageModel((_, _) => ["A dog runs. A car waits. A tree stands.", "A dog runs."]);
        RejectionSamplingTrainer Trainer(RewardSignal signal) => new(
            samples, new FakeNounExtractor(), new LinearRewardCombiner(), null, model,
            new RejectionSamplingOptions { RewardSources = RewardSources.RewardModel, RewardSignal = signal, Sampling = { NumSamples = 2 } });
        var item = new TrainingItem(ImageInput.FromId("img"), "Describe.");

        var byLabel = Trainer(RewardSignal.Label);
        var byExpectation = Trainer(RewardSignal.Expected);

        Assert.Equal(0, byLabel.Select([await byLabel.ScoreImageAsync(item)]).Records[0].Chosen);
        Assert.Equal(1, byExpectation.Select([await byExpectation.ScoreImageAsync(item)]).Records[0].Chosen);
    }

    [Fact]
    public async Task The_signal_is_in_the_journal_header_so_a_run_is_not_resumed_with_the_other()
    {
        var path = Path.Combine(_folder, "scores.jsonl");
        var items = new[] { "img1", "img2" }.Select(id => new TrainingItem(ImageInput.FromId(id), "Describe.")).ToList();
        RejectionSamplingTrainer Trainer(RewardSignal signal) => new(
            new FakeVisionLanguageModel((_, _) => ["A dog runs."]), new FakeNounExtractor(), new LinearRewardCombiner(), null, Uncertain(),
            new RejectionSamplingOptions { RewardSources = RewardSources.RewardModel, RewardSignal = signal, Sampling = { NumSamples = 1 } });
        await Trainer(RewardSignal.Expected).ScoreAsync(items[..1], path);

        var error = await Assert.ThrowsAsync<JournalSettingsException>(() => Trainer(RewardSignal.Label).ScoreAsync(items, path));

        Assert.Equal(["reward_model.signal: expected in the journal, label now"], error.Differences);
        Assert.Equal("label", Trainer(RewardSignal.Label).ScoresHeader().Settings["reward_model.signal"]);
    }

    [Fact]
    public void The_signal_configured_through_dependency_injection_reaches_the_stream()
    {
        var services = new ServiceCollection();
        services.AddViGoR(o =>
            {
                o.RewardSources = RewardSources.RewardModel;
                o.RewardSignal = RewardSignal.Expected;
            })
            .UseVisionLanguageModel(new FakeVisionLanguageModel((_, _) => []))
            .UseNounExtractor(new FakeNounExtractor())
            .UseSentenceRewardModel(Uncertain());
        using var provider = services.BuildServiceProvider();

        var trainer = provider.GetRequiredService<RejectionSamplingTrainer>();

        Assert.Equal("expected", trainer.ScoresHeader().Settings["reward_model.signal"]);
    }

    private sealed class HolisticRewardModel(SentenceJudgement whole) : ISentenceRewardModel, IDescriptionRewardModel
    {
        public Task<IReadOnlyList<SentenceJudgement>> JudgeAsync(ImageInput image, string prompt, ParsedText description, CancellationToken cancellationToken = default) =>
            throw new InvalidOperationException("A holistic stream must not judge sentences.");

        public Task<SentenceJudgement> JudgeDescriptionAsync(ImageInput image, string prompt, ParsedText description, CancellationToken cancellationToken = default) =>
            Task.FromResult(whole);
    }
}
