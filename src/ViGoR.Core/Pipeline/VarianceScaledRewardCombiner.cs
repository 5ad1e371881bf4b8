namespace ViGoR;

/// <summary>Where the per-stream variances that scale the penalties come from.</summary>
public enum VarianceEstimation
{
    /// <summary>
    /// The variance of per-sample penalties over a running window of the most recent samples
    /// (those of the image being ranked included). Adapts to the data with no calibration pass;
    /// depends on the order images are ranked in, so it is per process (per shard).
    /// </summary>
    RunningWindow,

    /// <summary>
    /// Fixed variances measured beforehand on a calibration set (see
    /// <see cref="RewardCombinerCalibration"/>): independent of order and sharding.
    /// </summary>
    Calibrated,
}

/// <summary>Settings of <see cref="VarianceScaledRewardCombiner"/>.</summary>
public sealed class RewardCombinerOptions
{
    /// <summary>Weight of the automatic stream's scaled penalty. Default 1 (paper: equal weights).</summary>
    public double AutomaticWeight { get; set; } = 1;

    /// <summary>Weight of the reward model's scaled penalty. Default 1 (paper: equal weights).</summary>
    public double RewardModelWeight { get; set; } = 1;

    /// <summary>Running window or calibrated variances. Default running window.</summary>
    public VarianceEstimation VarianceEstimation { get; set; } = VarianceEstimation.RunningWindow;

    /// <summary>Samples in the running window (the last this-many samples ranked). Default 500 (100 images of k = 5).</summary>
    public int WindowSize { get; set; } = 500;

    /// <summary>Calibrated variance of per-sample automatic penalties (used with <see cref="VarianceEstimation.Calibrated"/>).</summary>
    public double? AutomaticVariance { get; set; }

    /// <summary>Calibrated variance of per-sample reward-model penalties (used with <see cref="VarianceEstimation.Calibrated"/>).</summary>
    public double? RewardModelVariance { get; set; }

    /// <summary>
    /// Floor under every variance, so a stream that has so far been constant neither divides by
    /// zero nor swamps the other. Default 1e-3.
    /// </summary>
    public double MinimumVariance { get; set; } = 1e-3;
}

/// <summary>
/// The paper's combination rule (Yan et al., Sec. 3.4): each stream's negative signal is divided by
/// that stream's variance, the two are added with weights, and the sample with the least combined
/// penalty wins. Ties (within 1e-9 relative) go to the larger positive signal (found objects plus
/// positive reward-model scores, weighted but unscaled), then to the lower sample index.
/// </summary>
/// <remarks>
/// Until a stream has two samples in the window its variance is taken as 1. Thread-safe: ranking
/// calls are serialised, because the running window is shared state.
/// </remarks>
public sealed class VarianceScaledRewardCombiner : IRewardCombiner
{
    private readonly RewardCombinerOptions _options;
    private readonly RunningVariance _automatic;
    private readonly RunningVariance _rewardModel;
    private readonly Lock _gate = new();

    /// <summary>Creates the combiner.</summary>
    /// <exception cref="ArgumentException">Calibrated estimation without both variances, or a window smaller than 2.</exception>
    public VarianceScaledRewardCombiner(RewardCombinerOptions? options = null)
    {
        _options = options ?? new RewardCombinerOptions();
        if (_options.VarianceEstimation == VarianceEstimation.Calibrated
            && (_options.AutomaticVariance is null || _options.RewardModelVariance is null))
        {
            throw new ArgumentException("Calibrated variance estimation needs both AutomaticVariance and RewardModelVariance.", nameof(options));
        }

        if (_options.WindowSize < 2)
        {
            throw new ArgumentException($"WindowSize must be at least 2, got {_options.WindowSize}.", nameof(options));
        }

        _automatic = new RunningVariance(_options.WindowSize);
        _rewardModel = new RunningVariance(_options.WindowSize);
    }

    /// <summary>The variances the last <see cref="Rank"/> call used (automatic, reward model).</summary>
    public (double Automatic, double RewardModel) LastVariances { get; private set; } = (1, 1);

    /// <inheritdoc />
    public SampleRanking Rank(IReadOnlyList<ScoredSample> samples)
    {
        ArgumentNullException.ThrowIfNull(samples);
        if (samples.Count == 0)
        {
            throw new ArgumentException("At least one sample is needed.", nameof(samples));
        }

        lock (_gate)
        {
            double automaticVariance, rewardModelVariance;
            if (_options.VarianceEstimation == VarianceEstimation.Calibrated)
            {
                automaticVariance = _options.AutomaticVariance!.Value;
                rewardModelVariance = _options.RewardModelVariance!.Value;
            }
            else
            {
                foreach (var sample in samples)
                {
                    _automatic.Add(sample.AutomaticPenalty);
                    _rewardModel.Add(sample.RewardModelPenalty);
                }

                automaticVariance = _automatic.Variance;
                rewardModelVariance = _rewardModel.Variance;
            }

            automaticVariance = Math.Max(automaticVariance, _options.MinimumVariance);
            rewardModelVariance = Math.Max(rewardModelVariance, _options.MinimumVariance);
            LastVariances = (automaticVariance, rewardModelVariance);

            var penalties = new double[samples.Count];
            var bonuses = new double[samples.Count];
            for (var i = 0; i < samples.Count; i++)
            {
                var s = samples[i];
                penalties[i] = (_options.AutomaticWeight * s.AutomaticPenalty / automaticVariance)
                    + (_options.RewardModelWeight * s.RewardModelPenalty / rewardModelVariance);
                bonuses[i] = (_options.AutomaticWeight * s.AutomaticBonus) + (_options.RewardModelWeight * s.RewardModelBonus);
            }

            var order = Enumerable.Range(0, samples.Count).ToArray();
            Array.Sort(order, (a, b) => Compare(a, b, penalties, bonuses));
            return new SampleRanking(order, penalties, bonuses);
        }
    }

    private static int Compare(int a, int b, double[] penalties, double[] bonuses)
    {
        if (!NearlyEqual(penalties[a], penalties[b]))
        {
            return penalties[a].CompareTo(penalties[b]);
        }

        if (!NearlyEqual(bonuses[a], bonuses[b]))
        {
            return bonuses[b].CompareTo(bonuses[a]);
        }

        return a.CompareTo(b);
    }

    private static bool NearlyEqual(double x, double y) =>
        Math.Abs(x - y) <= 1e-9 * Math.Max(1, Math.Max(Math.Abs(x), Math.Abs(y)));

    /// <summary>Population variance over the last <c>capacity</c> values, recomputed exactly (no drift).</summary>
    private sealed class RunningVariance(int capacity)
    {
        private readonly Queue<double> _values = new(capacity);

        public double Variance
        {
            get
            {
                if (_values.Count < 2)
                {
                    return 1;
                }

                var mean = _values.Average();
                return _values.Sum(v => (v - mean) * (v - mean)) / _values.Count;
            }
        }

        public void Add(double value)
        {
            if (_values.Count == capacity)
            {
                _values.Dequeue();
            }

            _values.Enqueue(value);
        }
    }
}

/// <summary>Measures per-stream penalty variances on a calibration set, for <see cref="VarianceEstimation.Calibrated"/>.</summary>
public static class RewardCombinerCalibration
{
    /// <summary>
    /// The population variances of per-sample automatic and reward-model penalties over
    /// <paramref name="samples"/> (e.g. every sample of a journal).
    /// </summary>
    /// <exception cref="ArgumentException">Fewer than two samples.</exception>
    public static (double Automatic, double RewardModel) Estimate(IEnumerable<ScoredSample> samples)
    {
        var list = samples.ToList();
        if (list.Count < 2)
        {
            throw new ArgumentException("At least two samples are needed to estimate a variance.", nameof(samples));
        }

        return (Variance(list.Select(s => s.AutomaticPenalty)), Variance(list.Select(s => s.RewardModelPenalty)));
    }

    private static double Variance(IEnumerable<double> values)
    {
        var v = values.ToList();
        var mean = v.Average();
        return v.Sum(x => (x - mean) * (x - mean)) / v.Count;
    }
}
