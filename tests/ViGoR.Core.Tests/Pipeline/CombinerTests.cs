namespace ViGoR.Core.Tests.Pipeline;

public class CombinerTests
{
    private static ScoredSample Sample(int index, double automaticPenalty, double rewardPenalty, double automaticBonus = 0, double rewardBonus = 0) =>
        new(index, $"sample {index}", new ParsedText($"sample {index}", []), [], automaticPenalty, automaticBonus, rewardPenalty, rewardBonus);

    [Fact]
    public void Selects_the_sample_with_the_least_penalty()
    {
        var combiner = new VarianceScaledRewardCombiner(new RewardCombinerOptions { VarianceEstimation = VarianceEstimation.Calibrated, AutomaticVariance = 1, RewardModelVariance = 1 });

        var ranking = combiner.Rank([Sample(0, 2, 1), Sample(1, 0, 1), Sample(2, 1, 3), Sample(3, 4, 0)]);

        Assert.Equal(1, ranking.Selected);
        Assert.Equal([1, 0, 2, 3], ranking.Order);
        Assert.Equal([3.0, 1.0, 4.0, 4.0], ranking.Penalties);
    }

    [Fact]
    public void Variance_scaling_changes_the_winner_when_one_stream_is_noisier()
    {
        // Worked example. Automatic penalties 0, 2, 1 (variance 2/3); reward-model penalties 3, 0, 2
        // (variance 14/9, the noisier stream). Unscaled sums 3, 2, 3 would pick sample 1.
        // Scaled: s0 = 0/(2/3) + 3/(14/9) = 27/14 = 1.93; s1 = 2/(2/3) + 0 = 3; s2 = 1.5 + 18/14 = 2.79.
        // Dividing by each stream's variance discounts the noisy reward model, and sample 0 wins.
        var samples = new[] { Sample(0, 0, 3), Sample(1, 2, 0), Sample(2, 1, 2) };
        var unscaled = new VarianceScaledRewardCombiner(new RewardCombinerOptions { VarianceEstimation = VarianceEstimation.Calibrated, AutomaticVariance = 1, RewardModelVariance = 1 });
        var scaled = new VarianceScaledRewardCombiner();

        Assert.Equal(1, unscaled.Rank(samples).Selected);
        var ranking = scaled.Rank(samples);

        Assert.Equal(0, ranking.Selected);
        Assert.Equal(2.0 / 3, scaled.LastVariances.Automatic, 12);
        Assert.Equal(14.0 / 9, scaled.LastVariances.RewardModel, 12);
        Assert.Equal(27.0 / 14, ranking.Penalties[0], 12);
        Assert.Equal(3.0, ranking.Penalties[1], 12);
        Assert.Equal(1.5 + (18.0 / 14), ranking.Penalties[2], 12);
    }

    [Fact]
    public void Running_window_forgets_old_samples()
    {
        var combiner = new VarianceScaledRewardCombiner(new RewardCombinerOptions { WindowSize = 3 });
        combiner.Rank([Sample(0, 100, 0), Sample(1, 0, 0), Sample(2, 50, 0)]);

        combiner.Rank([Sample(0, 0, 1), Sample(1, 2, 1), Sample(2, 1, 1)]);

        Assert.Equal(2.0 / 3, combiner.LastVariances.Automatic, 12);
        Assert.Equal(1e-3, combiner.LastVariances.RewardModel, 12);
    }

    [Fact]
    public void Ties_go_to_the_larger_positive_signal_then_the_lower_index()
    {
        var combiner = new VarianceScaledRewardCombiner(new RewardCombinerOptions { VarianceEstimation = VarianceEstimation.Calibrated, AutomaticVariance = 1, RewardModelVariance = 1 });

        var byBonus = combiner.Rank([Sample(0, 1, 0, automaticBonus: 2), Sample(1, 0.5, 0.5, automaticBonus: 3), Sample(2, 1, 0, automaticBonus: 1, rewardBonus: 2)]);
        var byIndex = combiner.Rank([Sample(0, 1, 0, automaticBonus: 2), Sample(1, 1, 0, automaticBonus: 2), Sample(2, 0.5, 0.5, automaticBonus: 2)]);

        Assert.Equal([1, 2, 0], byBonus.Order);
        Assert.Equal([0, 1, 2], byIndex.Order);
    }

    [Fact]
    public void Calibration_estimates_population_variances()
    {
        var (automatic, reward) = RewardCombinerCalibration.Estimate([Sample(0, 0, 3), Sample(1, 2, 0), Sample(2, 1, 2)]);

        Assert.Equal(2.0 / 3, automatic, 12);
        Assert.Equal(14.0 / 9, reward, 12);
    }

    [Fact]
    public void Calibrated_estimation_without_variances_is_rejected()
    {
        var error = Assert.Throws<ArgumentException>(() => new VarianceScaledRewardCombiner(new RewardCombinerOptions { VarianceEstimation = VarianceEstimation.Calibrated, AutomaticVariance = 1 }));
        Assert.Contains("RewardModelVariance", error.Message);
    }

    [Fact]
    public void Holistic_and_fine_grained_reward_totals_differ_as_the_ablation_defines()
    {
        var parsed = new ParsedText("A. B. C.", [
            new ParsedSentence(0, 0, 2, "A.", []), new ParsedSentence(1, 3, 5, "B.", []), new ParsedSentence(2, 6, 8, "C.", [])]);
        SentenceJudgement[] judgements = [new(-1, SentenceErrorKind.Attribute), new(-1, SentenceErrorKind.Location), new(1)];

        var fine = SampleScoring.Create(0, parsed, null, judgements, RewardGranularity.FineGrained);
        var holistic = SampleScoring.Create(0, parsed, null, judgements, RewardGranularity.Holistic);

        Assert.Equal((2.0, 1.0), (fine.RewardModelPenalty, fine.RewardModelBonus));
        Assert.Equal((1.0, 0.0), (holistic.RewardModelPenalty, holistic.RewardModelBonus));
    }
}
