using ViGoR.Torch.Rewards;

namespace ViGoR.Torch.Tests.Rewards;

public sealed class RewardLabelSchemeTests
{
    [Fact]
    public void CategoricalGivesEveryKindOneDigitAndCreativityItsOwnLabel()
    {
        var scheme = RewardLabelScheme.Categorical;
        Assert.Equal(["1", "2", "3", "4", "5", "6", "7"], scheme.Labels.Select(l => l.Label));
        Assert.Equal(["2"], scheme.Labels.Where(l => l.Creative).Select(l => l.Label));
        Assert.Equal("1", scheme.LabelFor(SentenceErrorKind.None));
        Assert.Equal("2", scheme.LabelFor(SentenceErrorKind.None, creative: true));
        Assert.Equal("3", scheme.LabelFor(SentenceErrorKind.ObjectHallucination));
        Assert.Equal("4", scheme.LabelFor(SentenceErrorKind.Attribute, creative: true)); // an error is never creative
        Assert.Equal("7", scheme.LabelFor(SentenceErrorKind.UnreasonableConjecture));
        Assert.Equal(new SentenceJudgement(2), scheme.Interpret(2));
        Assert.Equal(new SentenceJudgement(-1, SentenceErrorKind.Location), scheme.Interpret(6));
        Assert.Equal(new SentenceJudgement(-1, SentenceErrorKind.Relationship), scheme.Labels[4].Judgement);
    }

    [Fact]
    public void DefaultHasNoCreativeLabelSoCreativeFallsBackToCorrect()
    {
        Assert.Equal("1", RewardLabelScheme.Default.LabelFor(SentenceErrorKind.None, creative: true));
        Assert.DoesNotContain(RewardLabelScheme.Default.Labels, l => l.Creative);
        Assert.Equal(6, RewardLabelScheme.Default.Labels.Count);
    }

    [Fact]
    public void AHolisticLabelIsTheFirstErrorsOrTheCorrectOne()
    {
        var scheme = RewardLabelScheme.Categorical;
        Assert.Equal("1", scheme.LabelForDescription([SentenceErrorKind.None, SentenceErrorKind.None]));
        Assert.Equal("2", scheme.LabelForDescription([SentenceErrorKind.None], creative: true));
        Assert.Equal("6", scheme.LabelForDescription([SentenceErrorKind.None, SentenceErrorKind.Location, SentenceErrorKind.ObjectHallucination], creative: true));
    }

    [Fact]
    public void SchemesThatCannotBeTrainedOrReadAreRefused()
    {
        Assert.Throws<ArgumentException>(() => new RewardLabelScheme([("one", new SentenceJudgement(1), false)]));
        Assert.Throws<ArgumentException>(() => new RewardLabelScheme([("1", new SentenceJudgement(1), false), ("1", new SentenceJudgement(-1, SentenceErrorKind.Location), false)]));
        Assert.Throws<ArgumentException>(() => new RewardLabelScheme([("1", new SentenceJudgement(1), false), ("2", new SentenceJudgement(3), false)]));
        Assert.Throws<ArgumentException>(() => new RewardLabelScheme([("2", new SentenceJudgement(2), true), ("3", new SentenceJudgement(3), true)]));
        Assert.Throws<ArgumentException>(() => new RewardLabelScheme([("3", new SentenceJudgement(-1, SentenceErrorKind.Attribute), true)]));
    }

    [Fact]
    public void FirstTokenJudgementsCarryTheMostProbableLabelsScoreBesideTheExpectedScore()
    {
        // Categorical labels 1 (+1), 2 (+2 creative), 3..7 (-1 each error kind).
        var scheme = RewardLabelScheme.Categorical;
        var scores = new LabelScores(
            [new float[7], new float[7], new float[7]],
            [
                [0.4, 0, 0.3, 0.3, 0, 0, 0], // "correct" wins, yet the expected score is 0.4 - 0.6 = -0.2
                [0.1, 0.35, 0.05, 0, 0.5, 0, 0], // "relationship" wins over a large creative mass
                [0.1, 0.6, 0.1, 0.1, 0.1, 0, 0], // "creative" wins
            ]);

        var correct = scores.Judge(0, scheme);
        var relationship = scores.Judge(1, scheme);
        var creative = scores.Judge(2, scheme);

        Assert.Equal<(double?, SentenceErrorKind)>((1, SentenceErrorKind.None), (correct.LabelScore, correct.Error));
        Assert.Equal(-0.2, correct.Score, 12);
        Assert.Equal<(double?, SentenceErrorKind)>((-1, SentenceErrorKind.Relationship), (relationship.LabelScore, relationship.Error));
        Assert.Equal(0.1 + 0.7 - 0.55, relationship.Score, 12);
        Assert.Equal<(double?, SentenceErrorKind)>((2, SentenceErrorKind.None), (creative.LabelScore, creative.Error));
    }
}
