namespace ViGoR.Core.Tests.Pipeline;

public class CombinerTests
{
    private static ScoredSample Sample(int index, double automaticPenalty, double rewardPenalty, double automaticBonus = 0, double rewardBonus = 0) =>
        new(index, new ParsedText($"sample {index}.", [new ParsedSentence(0, 0, 10, $"sample {index}.", [])]), new Dictionary<string, StreamScore>
        {
            [RewardStreams.Automatic] = Score(automaticPenalty, automaticBonus),
            [RewardStreams.RewardModel] = Score(rewardPenalty, rewardBonus),
        });

    private static StreamScore Score(double penalty, double bonus) => new([new SentenceSignal { Penalty = penalty, Bonus = bonus }], penalty, bonus);

    private static ScoredSample Scaled(ScoredSample sample, string stream, double factor) => sample with
    {
        Streams = sample.Streams.ToDictionary(p => p.Key, p => p.Key == stream ? Score(p.Value.Penalty * factor, p.Value.Bonus * factor) : p.Value),
    };

    private static readonly RewardStatistics Unit = new()
    {
        Streams = new Dictionary<string, StreamStatistics>
        {
            [RewardStreams.Automatic] = new(new SignalStatistics(3, 0, 1), new SignalStatistics(3, 0, 1)),
            [RewardStreams.RewardModel] = new(new SignalStatistics(3, 0, 1), new SignalStatistics(3, 0, 1)),
        },
    };

    [Fact]
    public void Selects_the_sample_with_the_least_penalty()
    {
        var ranking = new LinearRewardCombiner().Rank([Sample(0, 2, 1), Sample(1, 0, 1), Sample(2, 1, 3), Sample(3, 4, 0)], Unit);

        Assert.Equal(1, ranking.Selected);
        Assert.Equal([1, 0, 2, 3], ranking.Order);
        Assert.Equal([3.0, 1.0, 4.0, 4.0], ranking.Penalties);
    }

    [Fact]
    public void The_worked_example_standardised_and_divided_by_the_variance()
    {
        // LinearRewardCombiner's remarks: automatic 0, 2, 1 (variance 2/3); reward model 3, 0, 2 (variance 14/9).
        var samples = new[] { Sample(0, 0, 3), Sample(1, 2, 0), Sample(2, 1, 2) };
        var statistics = RewardStatistics.Compute(samples);
        Assert.Equal(2.0 / 3, statistics.Streams[RewardStreams.Automatic].Penalty.Variance, 12);
        Assert.Equal(14.0 / 9, statistics.Streams[RewardStreams.RewardModel].Penalty.Variance, 12);

        var standardised = new LinearRewardCombiner().Rank(samples, statistics);
        var byVariance = new LinearRewardCombiner(new RewardCombinerOptions { Normalization = RewardNormalization.Variance }).Rank(samples, statistics);
        var raw = new LinearRewardCombiner(new RewardCombinerOptions { Normalization = RewardNormalization.None }).Rank(samples, statistics);

        Assert.Equal((3 / Math.Sqrt(14.0 / 9)), standardised.Penalties[0], 12);
        Assert.Equal((2 / Math.Sqrt(2.0 / 3)), standardised.Penalties[1], 12);
        Assert.Equal(0, standardised.Selected);
        Assert.Equal(27.0 / 14, byVariance.Penalties[0], 12);
        Assert.Equal(3.0, byVariance.Penalties[1], 12);
        Assert.Equal(1.5 + (18.0 / 14), byVariance.Penalties[2], 12);
        Assert.Equal(0, byVariance.Selected);
        Assert.Equal(1, raw.Selected); // unscaled sums 3, 2, 3

        // The reward model's scores in other units (divided by 10): the variance reading changes its choice.
        var tenths = samples.Select(s => Scaled(s, RewardStreams.RewardModel, 0.1)).ToArray();
        var tenthsStatistics = RewardStatistics.Compute(tenths);
        Assert.Equal(0, new LinearRewardCombiner().Rank(tenths, tenthsStatistics).Selected);
        Assert.Equal(1, new LinearRewardCombiner(new RewardCombinerOptions { Normalization = RewardNormalization.Variance }).Rank(tenths, tenthsStatistics).Selected);
    }

    [Theory]
    [InlineData(RewardStreams.Automatic, 1e-3)]
    [InlineData(RewardStreams.Automatic, 7.5)]
    [InlineData(RewardStreams.RewardModel, 0.01)]
    [InlineData(RewardStreams.RewardModel, 1000)]
    public void Scaling_a_stream_by_a_positive_constant_changes_no_selection_under_the_default(string stream, double factor)
    {
        // 40 images of 5 samples with pseudo-random penalties and bonuses, ties included.
        var random = new Random(17);
        var images = Enumerable.Range(0, 40)
            .Select(_ => Enumerable.Range(0, 5).Select(i => Sample(i, random.Next(0, 4), random.Next(0, 3) * 0.5, random.Next(0, 3), random.Next(0, 2))).ToArray())
            .ToList();
        var scaledImages = images.Select(samples => samples.Select(s => Scaled(s, stream, factor)).ToArray()).ToList();
        var combiner = new LinearRewardCombiner();

        var before = images.Select(s => combiner.Rank(s, RewardStatistics.Compute(images.SelectMany(x => x))).Order).ToList();
        var after = scaledImages.Select(s => combiner.Rank(s, RewardStatistics.Compute(scaledImages.SelectMany(x => x))).Order).ToList();

        Assert.Equal(before, after);
    }

    [Fact]
    public void Scaling_a_stream_changes_selections_when_dividing_by_the_variance()
    {
        // The same data as the invariance test: it can tell the two readings apart.
        var random = new Random(17);
        var images = Enumerable.Range(0, 40)
            .Select(_ => Enumerable.Range(0, 5).Select(i => Sample(i, random.Next(0, 4), random.Next(0, 3) * 0.5, random.Next(0, 3), random.Next(0, 2))).ToArray())
            .ToList();
        var scaledImages = images.Select(samples => samples.Select(s => Scaled(s, RewardStreams.RewardModel, 1000)).ToArray()).ToList();
        var variance = new LinearRewardCombiner(new RewardCombinerOptions { Normalization = RewardNormalization.Variance });

        var before = images.Select(s => variance.Rank(s, RewardStatistics.Compute(images.SelectMany(x => x))).Selected).ToList();
        var after = scaledImages.Select(s => variance.Rank(s, RewardStatistics.Compute(scaledImages.SelectMany(x => x))).Selected).ToList();

        Assert.NotEqual(before, after);
    }

    [Fact]
    public void Weights_are_per_stream_name()
    {
        var samples = new[] { Sample(0, 1, 0), Sample(1, 0, 1) };
        var combiner = new LinearRewardCombiner(new RewardCombinerOptions { Normalization = RewardNormalization.None, Weights = { [RewardStreams.RewardModel] = 2 } });

        var ranking = combiner.Rank(samples, Unit);

        Assert.Equal([1.0, 2.0], ranking.Penalties);
        Assert.Equal(0, ranking.Selected);
        Assert.Throws<ArgumentException>(() => new LinearRewardCombiner(new RewardCombinerOptions { Weights = { ["x"] = -1 } }));
    }

    [Fact]
    public void Ties_go_to_the_larger_positive_signal_then_the_lower_index()
    {
        var combiner = new LinearRewardCombiner();

        var byBonus = combiner.Rank([Sample(0, 1, 0, automaticBonus: 2), Sample(1, 0.5, 0.5, automaticBonus: 3), Sample(2, 1, 0, automaticBonus: 1, rewardBonus: 2)], Unit);
        var byIndex = combiner.Rank([Sample(0, 1, 0, automaticBonus: 2), Sample(1, 1, 0, automaticBonus: 2), Sample(2, 0.5, 0.5, automaticBonus: 2)], Unit);

        Assert.Equal([1, 2, 0], byBonus.Order);
        Assert.Equal([0, 1, 2], byIndex.Order);
    }

    [Fact]
    public void A_running_window_forgets_old_samples()
    {
        var window = new RunningRewardStatistics(3);
        window.Add([Sample(0, 100, 0), Sample(1, 0, 0), Sample(2, 50, 0)]);

        var statistics = window.Add([Sample(0, 0, 1), Sample(1, 2, 1), Sample(2, 1, 1)]);

        Assert.Equal(2.0 / 3, statistics.Streams[RewardStreams.Automatic].Penalty.Variance, 12);
        Assert.Equal(0, statistics.Streams[RewardStreams.RewardModel].Penalty.Variance, 12);
    }

    [Fact]
    public void Statistics_round_trip_through_json()
    {
        var statistics = RewardStatistics.Compute([Sample(0, 0, 3), Sample(1, 2, 0), Sample(2, 1, 2)]);
        var path = Path.Combine(Path.GetTempPath(), $"vigor-stats-{Guid.NewGuid():N}.json");
        try
        {
            statistics.Save(path);
            var back = RewardStatistics.Load(path);
            Assert.Equal(statistics.Streams.Keys, back.Streams.Keys);
            Assert.Equal(statistics.Streams[RewardStreams.RewardModel], back.Streams[RewardStreams.RewardModel]);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
