namespace ViGoR.Evaluation.Tests.RewardModel;

/// <summary>The reward-model evaluator over any <see cref="ISentenceRewardModel"/>: what it asks the model and how verdicts meet labels.</summary>
public class RewardModelEvaluatorTests
{
    /// <summary>Judges a sentence wrong (object hallucination, P(error) 0.9) when it mentions a cat, right (P(error) 0.2) otherwise; a description wrong when any sentence is.</summary>
    private sealed class CatJudge : ISentenceRewardModel, IDescriptionRewardModel
    {
        public List<string> Images { get; } = [];

        public Task<IReadOnlyList<SentenceJudgement>> JudgeAsync(ImageInput image, string prompt, ParsedText description, CancellationToken cancellationToken = default)
        {
            Images.Add(image.Path!);
            return Task.FromResult<IReadOnlyList<SentenceJudgement>>([.. description.Sentences.Select(s => Judge(s.Text))]);
        }

        public Task<SentenceJudgement> JudgeDescriptionAsync(ImageInput image, string prompt, ParsedText description, CancellationToken cancellationToken = default) =>
            Task.FromResult(Judge(description.Text));

        private static SentenceJudgement Judge(string text) => text.Contains("cat", StringComparison.Ordinal)
            ? new SentenceJudgement(-1, SentenceErrorKind.ObjectHallucination) { ErrorProbability = 0.9 }
            : new SentenceJudgement(1) { ErrorProbability = 0.2 };
    }

    private sealed class SentencesOnly : ISentenceRewardModel
    {
        public Task<IReadOnlyList<SentenceJudgement>> JudgeAsync(ImageInput image, string prompt, ParsedText description, CancellationToken cancellationToken = default) =>
            Task.FromResult<IReadOnlyList<SentenceJudgement>>([.. description.Sentences.Select(_ => new SentenceJudgement(-1, SentenceErrorKind.Attribute))]);
    }

    private static AnnotatedDescription Described(string image, params (string Text, SentenceErrorKind[] Errors)[] sentences)
    {
        var text = string.Join(" ", sentences.Select(s => s.Text));
        var start = 0;
        var spans = new List<AnnotatedSentence>();
        foreach (var (sentence, errors) in sentences)
        {
            spans.Add(new AnnotatedSentence(start, start + sentence.Length, errors, false));
            start += sentence.Length + 1;
        }

        return new AnnotatedDescription(image + "-0", image, "Describe.", text, spans);
    }

    private static readonly IReadOnlyList<AnnotatedDescription> HeldOut =
    [
        // Sentence labels: a dog (correct), a cat (object hallucination, found), a red bus (attribute, missed).
        Described("a.png", ("A dog sits.", []), ("A cat sleeps.", [SentenceErrorKind.ObjectHallucination]), ("A red bus waits.", [SentenceErrorKind.Attribute, SentenceErrorKind.Location])),
        Described("b.png", ("A tree grows.", []), ("A cat purrs.", [])),
    ];

    [Fact]
    public async Task Every_held_out_sentence_is_judged_with_its_image_and_measured_against_its_first_label()
    {
        var judge = new CatJudge();

        var metrics = await RewardModelEvaluator.EvaluateAsync(judge, HeldOut, new RewardModelEvaluationOptions { ImagesDirectory = "/data/imgs" });

        Assert.Equal([Path.Combine("/data/imgs", "a.png"), Path.Combine("/data/imgs", "b.png")], judge.Images);
        Assert.Equal((5, 2), (metrics.Sentences, metrics.Errors));
        Assert.Equal(3.0 / 5, metrics.Accuracy, 12); // dog, cat sleeps, tree right; red bus missed; cat purrs a false alarm
        Assert.Equal(0.5, metrics.ErrorPrecision, 12);
        Assert.Equal(0.5, metrics.ErrorRecall, 12);
        // (error, correct) pairs: cat sleeps 0.9 beats 0.2, 0.2 and ties 0.9; red bus 0.2 ties 0.2, 0.2 and loses to 0.9.
        Assert.Equal((2 + 0.5 + 1) / 6, metrics.RocAuc!.Value, 12);
        Assert.Equal(new ErrorKindMetrics(1, 1, 1, 2.5 / 3), metrics.PerKind["object_hallucination"]);
        Assert.Equal(new ErrorKindMetrics(1, 0, 0, 1.0 / 3), metrics.PerKind["attribute"]);
        Assert.False(metrics.PerKind.ContainsKey("location")); // a sentence counts as its first error only
    }

    [Fact]
    public async Task Holistic_measurement_judges_each_description_once_and_refuses_a_sentence_only_model()
    {
        var progress = new List<(int, int)>();

        var metrics = await RewardModelEvaluator.EvaluateAsync(new CatJudge(), HeldOut, new RewardModelEvaluationOptions { Holistic = true, Progress = new SyncProgress(progress) });

        Assert.Equal((2, 1), (metrics.Sentences, metrics.Errors)); // a.png's description is wrong, b.png's right
        Assert.Equal(new ErrorKindMetrics(1, 1, 1, 0.5), metrics.PerKind["object_hallucination"]); // both judged wrong (both mention a cat): a tie
        Assert.Equal([(0, 2), (1, 2), (2, 2)], progress);
        await Assert.ThrowsAsync<NotSupportedException>(() => RewardModelEvaluator.EvaluateAsync(new SentencesOnly(), HeldOut, new RewardModelEvaluationOptions { Holistic = true }));
    }

    private sealed class SyncProgress(List<(int, int)> reports) : IProgress<(int Done, int Total)>
    {
        public void Report((int Done, int Total) value) => reports.Add(value);
    }
}
