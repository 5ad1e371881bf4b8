namespace ViGoR.Evaluation.Tests.RewardModel;

public class RewardModelMetricsTests
{
    private static RewardModelPrediction P(SentenceErrorKind truth, SentenceErrorKind predicted, double p) => new(truth, predicted, p);

    [Fact]
    public void Hand_computed_figures()
    {
        // 3 errors, 3 correct. Judged wrong: two of the errors and one correct sentence.
        var metrics = RewardModelMetrics.Compute([
            P(SentenceErrorKind.ObjectHallucination, SentenceErrorKind.ObjectHallucination, 0.9),
            P(SentenceErrorKind.ObjectHallucination, SentenceErrorKind.Attribute, 0.8),
            P(SentenceErrorKind.Location, SentenceErrorKind.None, 0.3),
            P(SentenceErrorKind.None, SentenceErrorKind.Attribute, 0.6),
            P(SentenceErrorKind.None, SentenceErrorKind.None, 0.3),
            P(SentenceErrorKind.None, SentenceErrorKind.None, 0.1),
        ]);

        Assert.Equal(6, metrics.Sentences);
        Assert.Equal(3, metrics.Errors);
        Assert.Equal(4.0 / 6, metrics.Accuracy, 12);
        Assert.Equal(2.0 / 3, metrics.ErrorPrecision, 12);
        Assert.Equal(2.0 / 3, metrics.ErrorRecall, 12);
        Assert.Equal(2.0 / 3, metrics.ErrorF1, 12);

        // Pairs (error, correct) with the error ranked higher: 0.9 > all 3; 0.8 > all 3; 0.3 > 0.1, ties 0.3 (half), < 0.6.
        Assert.Equal((3 + 3 + 1.5) / 9, metrics.RocAuc!.Value, 12);
        // Per kind, against the three correct sentences: 0.9 and 0.8 beat 0.6, 0.3, 0.1 (6 of 6); 0.3 beats 0.1, ties 0.3, loses to 0.6.
        Assert.Equal(new ErrorKindMetrics(2, 1, 0.5, 1), metrics.PerKind["object_hallucination"]);
        Assert.Equal(new ErrorKindMetrics(1, 0, 0, 0.5), metrics.PerKind["location"]);
    }

    [Fact]
    public void Auc_is_one_for_a_perfect_ranking_a_half_for_constant_scores_and_absent_without_both_classes()
    {
        Assert.Equal(1, RewardModelMetrics.Compute([P(SentenceErrorKind.Attribute, SentenceErrorKind.Attribute, 0.7), P(SentenceErrorKind.None, SentenceErrorKind.None, 0.2)]).RocAuc);
        Assert.Equal(0.5, RewardModelMetrics.Compute([P(SentenceErrorKind.Attribute, SentenceErrorKind.None, 0.5), P(SentenceErrorKind.None, SentenceErrorKind.None, 0.5)]).RocAuc);
        Assert.Null(RewardModelMetrics.Compute([P(SentenceErrorKind.None, SentenceErrorKind.None, 0.5)]).RocAuc);
        Assert.Throws<ArgumentException>(() => RewardModelMetrics.Compute([P(SentenceErrorKind.None, SentenceErrorKind.None, 1.5)]));
    }
}
