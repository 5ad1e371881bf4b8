namespace ViGoR;

/// <summary>One of the k samples of an image with every stream's score.</summary>
/// <param name="Index">The sample index (0..k-1).</param>
/// <param name="Parsed">The sample split into sentences.</param>
/// <param name="Streams">Each stream's score, by stream name.</param>
public sealed record ScoredSample(int Index, ParsedText Parsed, IReadOnlyDictionary<string, StreamScore> Streams)
{
    /// <summary>The sampled text.</summary>
    public string Text => Parsed.Text;
}

/// <summary>The combiner's verdict on the k samples of one image.</summary>
/// <param name="Order">Positions into the ranked list, best first; <c>Order[0]</c> is selected.</param>
/// <param name="Penalties">Combined penalty per position (lower is better).</param>
/// <param name="Bonuses">Combined positive signal per position (breaks ties).</param>
public sealed record SampleRanking(IReadOnlyList<int> Order, IReadOnlyList<double> Penalties, IReadOnlyList<double> Bonuses)
{
    /// <summary>The position of the selected sample in the ranked list.</summary>
    public int Selected => Order[0];
}

/// <summary>
/// Turns the per-stream signals of the k samples of one image into one ranking (Yan et al.,
/// Sec. 3.3), given each stream's statistics over the data set.
/// </summary>
/// <remarks>Implementations must be pure: the same samples and statistics give the same ranking, in any order and on any machine.</remarks>
public interface IRewardCombiner
{
    /// <summary>Ranks <paramref name="samples"/> (at least one).</summary>
    SampleRanking Rank(IReadOnlyList<ScoredSample> samples, RewardStatistics statistics);
}
