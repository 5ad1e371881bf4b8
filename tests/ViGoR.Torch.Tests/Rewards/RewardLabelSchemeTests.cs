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
}
