namespace ViGoR;

/// <summary>How each stream's signals are made comparable before they are added.</summary>
public enum RewardNormalization
{
    /// <summary>
    /// Divide by the stream's standard deviation (default). Unit-free: multiplying one stream's
    /// scores by any positive constant leaves every selection unchanged.
    /// </summary>
    StandardDeviation,

    /// <summary>
    /// Divide by the stream's variance: the paper's words read literally ("normalizing their values
    /// with their respective variances", Sec. 3.3). Not unit-free: a stream scored in larger units
    /// weighs less (its variance grows with the square of the unit, its signal only linearly).
    /// </summary>
    Variance,

    /// <summary>Add the raw signals (weights only).</summary>
    None,
}

/// <summary>Settings of <see cref="LinearRewardCombiner"/>.</summary>
public sealed class RewardCombinerOptions
{
    /// <summary>Normalisation of each stream. Default <see cref="RewardNormalization.StandardDeviation"/>.</summary>
    public RewardNormalization Normalization { get; set; } = RewardNormalization.StandardDeviation;

    /// <summary>
    /// Weight of each stream by name (e.g. <c>{"reward_model": 2}</c>); a stream not named here
    /// weighs <see cref="DefaultWeight"/>. Weights must be finite and &gt;= 0.
    /// </summary>
    public IDictionary<string, double> Weights { get; set; } = new Dictionary<string, double>(StringComparer.Ordinal);

    /// <summary>The weight of streams <see cref="Weights"/> does not name. Default 1 (the paper: equal weights).</summary>
    public double DefaultWeight { get; set; } = 1;

    /// <summary>The weight of <paramref name="stream"/>.</summary>
    public double WeightOf(string stream) => Weights.TryGetValue(stream, out var w) ? w : DefaultWeight;

    /// <summary>A copy.</summary>
    public RewardCombinerOptions Clone() => new()
    {
        Normalization = Normalization,
        Weights = new Dictionary<string, double>(Weights, StringComparer.Ordinal),
        DefaultWeight = DefaultWeight,
    };
}

/// <summary>
/// The paper's combination rule (Yan et al., Sec. 3.3): each stream's negative signal is divided by
/// that stream's spread over the data set, the streams are added with weights, and the sample with
/// the least combined penalty wins. Ties (within 1e-9 relative) go to the larger combined positive
/// signal (each stream's bonus normalised the same way by its own spread), then to the lower index.
/// </summary>
/// <remarks>
/// <para>
/// Two readings of "normalizing their values with their respective variances": divide by the
/// variance, or standardise (divide by the standard deviation). Worked example: automatic penalties
/// 0, 2, 1 (sd 0.816, variance 0.667) and reward-model penalties 3, 0, 2 (sd 1.247, variance 1.556).
/// Standardised, the sums are 2.41, 2.45, 2.83; divided by the variance, 1.93, 3.00, 2.79: sample 0
/// wins either way. Now report the reward model's scores in other units, divided by 10 (0.3, 0,
/// 0.2). Standardised, nothing changes. Divided by the variance (now 0.0156), sample 0 scores
/// 0.3 / 0.0156 = 19.3 against sample 1's 3.0, and sample 1 wins: the choice depends on the units
/// of the scores. The default is therefore the
/// standard deviation; <see cref="RewardNormalization.Variance"/> keeps the literal reading.
/// </para>
/// <para>A stream whose spread is 0 (constant) is not scaled. Pure and thread-safe.</para>
/// </remarks>
public sealed class LinearRewardCombiner : IRewardCombiner
{
    private readonly RewardCombinerOptions _options;

    /// <summary>Creates the combiner.</summary>
    /// <exception cref="ArgumentException">A weight is negative or not finite.</exception>
    public LinearRewardCombiner(RewardCombinerOptions? options = null)
    {
        _options = options?.Clone() ?? new RewardCombinerOptions();
        foreach (var (name, weight) in _options.Weights.Append(new KeyValuePair<string, double>("(default)", _options.DefaultWeight)))
        {
            if (!double.IsFinite(weight) || weight < 0)
            {
                throw new ArgumentException($"The weight of stream '{name}' must be finite and >= 0, got {weight}.", nameof(options));
            }
        }
    }

    /// <summary>The settings in use (a copy).</summary>
    public RewardCombinerOptions Options => _options.Clone();

    /// <inheritdoc />
    public SampleRanking Rank(IReadOnlyList<ScoredSample> samples, RewardStatistics statistics)
    {
        ArgumentNullException.ThrowIfNull(samples);
        ArgumentNullException.ThrowIfNull(statistics);
        if (samples.Count == 0)
        {
            throw new ArgumentException("At least one sample is needed.", nameof(samples));
        }

        var penalties = new double[samples.Count];
        var bonuses = new double[samples.Count];
        for (var i = 0; i < samples.Count; i++)
        {
            // Streams in name order, so the floating-point sum does not depend on dictionary order.
            foreach (var (name, score) in samples[i].Streams.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                if (!score.Applicable)
                {
                    continue;
                }

                var weight = _options.WeightOf(name);
                var stream = statistics.Streams.GetValueOrDefault(name);
                penalties[i] += weight * score.Penalty / Scale(stream?.Penalty);
                bonuses[i] += weight * score.Bonus / Scale(stream?.Bonus);
            }
        }

        var order = Enumerable.Range(0, samples.Count).ToArray();
        Array.Sort(order, (a, b) => Compare(a, b, penalties, bonuses, samples));
        return new SampleRanking(order, penalties, bonuses);
    }

    private double Scale(SignalStatistics? statistics)
    {
        if (statistics is null)
        {
            return 1;
        }

        var scale = _options.Normalization switch
        {
            RewardNormalization.StandardDeviation => statistics.StandardDeviation,
            RewardNormalization.Variance => statistics.Variance,
            _ => 1,
        };
        return scale > 0 && double.IsFinite(scale) ? scale : 1;
    }

    private static int Compare(int a, int b, double[] penalties, double[] bonuses, IReadOnlyList<ScoredSample> samples)
    {
        if (!NearlyEqual(penalties[a], penalties[b]))
        {
            return penalties[a].CompareTo(penalties[b]);
        }

        if (!NearlyEqual(bonuses[a], bonuses[b]))
        {
            return bonuses[b].CompareTo(bonuses[a]);
        }

        return samples[a].Index.CompareTo(samples[b].Index);
    }

    private static bool NearlyEqual(double x, double y) =>
        Math.Abs(x - y) <= 1e-9 * Math.Max(1, Math.Max(Math.Abs(x), Math.Abs(y)));
}
