namespace ViGoR;

/// <summary>The area under the ROC curve of scores against binary labels, shared by every diagnostic that ranks (reward models, probes).</summary>
public static class RocAuc
{
    /// <summary>
    /// The probability that a random positive scores above a random negative (ties count half): the
    /// Mann-Whitney U over ranks with ties averaged, O(n log n) and exact for ties. Null when either class is empty.
    /// </summary>
    /// <param name="scores">Higher means "more likely positive".</param>
    /// <param name="positive">The labels, parallel to <paramref name="scores"/>.</param>
    /// <exception cref="ArgumentException">The lists differ in length.</exception>
    public static double? Of(IReadOnlyList<double> scores, IReadOnlyList<bool> positive)
    {
        ArgumentNullException.ThrowIfNull(scores);
        ArgumentNullException.ThrowIfNull(positive);
        if (scores.Count != positive.Count)
        {
            throw new ArgumentException($"{scores.Count} scores for {positive.Count} labels.", nameof(positive));
        }

        var positives = positive.Count(p => p);
        var negatives = positive.Count - positives;
        if (positives == 0 || negatives == 0)
        {
            return null;
        }

        var order = Enumerable.Range(0, scores.Count).OrderBy(i => scores[i]).ToArray();
        double rankSum = 0;
        for (int i = 0; i < order.Length;)
        {
            int j = i;
            while (j + 1 < order.Length && scores[order[j + 1]] == scores[order[i]])
            {
                j++;
            }

            double averageRank = ((i + j) / 2.0) + 1;
            for (int k = i; k <= j; k++)
            {
                if (positive[order[k]])
                {
                    rankSum += averageRank;
                }
            }

            i = j + 1;
        }

        return (rankSum - (positives * (positives + 1) / 2.0)) / ((double)positives * negatives);
    }
}
