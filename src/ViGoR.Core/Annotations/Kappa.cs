namespace ViGoR;

/// <summary>
/// Chance-corrected agreement between annotators: Cohen's kappa for two (Cohen 1960) and Fleiss'
/// kappa for any number (Fleiss 1971). Both are (observed − expected) / (1 − expected).
/// </summary>
public static class Kappa
{
    /// <summary>
    /// Cohen's kappa of two annotators who each put the same items into one of several categories.
    /// </summary>
    /// <param name="pairs">Per item, the first and the second annotator's category (any values compared with Equals).</param>
    /// <returns>
    /// The observed agreement and kappa; kappa is NaN when chance alone predicts full agreement
    /// (both annotators used one and the same category throughout), where it is undefined.
    /// </returns>
    /// <exception cref="ArgumentException">There are no items.</exception>
    public static (double Observed, double Kappa) Cohen<T>(IReadOnlyList<(T First, T Second)> pairs)
        where T : notnull
    {
        ArgumentNullException.ThrowIfNull(pairs);
        if (pairs.Count == 0)
        {
            throw new ArgumentException("Kappa needs at least one item.", nameof(pairs));
        }

        double n = pairs.Count;
        var observed = pairs.Count(p => EqualityComparer<T>.Default.Equals(p.First, p.Second)) / n;
        var first = pairs.GroupBy(p => p.First).ToDictionary(g => g.Key, g => g.Count() / n);
        var expected = pairs.GroupBy(p => p.Second).Sum(g => first.GetValueOrDefault(g.Key) * (g.Count() / n));
        return (observed, Corrected(observed, expected));
    }

    /// <summary>
    /// Fleiss' kappa: <paramref name="counts"/>[i][j] is how many annotators put item i into
    /// category j; every item must have the same number of annotators, at least two.
    /// </summary>
    /// <returns>
    /// The mean observed agreement P̄ (the share of agreeing annotator pairs per item, averaged) and
    /// kappa; kappa is NaN when every rating falls in one category.
    /// </returns>
    /// <exception cref="ArgumentException">No items, fewer than two annotators, or items with different annotator counts.</exception>
    public static (double Observed, double Kappa) Fleiss(IReadOnlyList<IReadOnlyList<int>> counts)
    {
        ArgumentNullException.ThrowIfNull(counts);
        if (counts.Count == 0)
        {
            throw new ArgumentException("Kappa needs at least one item.", nameof(counts));
        }

        var raters = counts[0].Sum();
        var categories = counts[0].Count;
        if (raters < 2)
        {
            throw new ArgumentException("Fleiss' kappa needs at least two annotators per item.", nameof(counts));
        }

        for (var i = 0; i < counts.Count; i++)
        {
            if (counts[i].Count != categories || counts[i].Sum() != raters)
            {
                throw new ArgumentException($"Item {i} has {counts[i].Sum()} ratings in {counts[i].Count} categories; item 0 has {raters} in {categories}.", nameof(counts));
            }
        }

        double items = counts.Count;
        var observed = counts.Average(row => (row.Sum(c => (double)c * c) - raters) / (raters * (raters - 1.0)));
        var expected = Enumerable.Range(0, categories)
            .Select(j => counts.Sum(row => row[j]) / (items * raters))
            .Sum(p => p * p);
        return (observed, Corrected(observed, expected));
    }

    private static double Corrected(double observed, double expected) =>
        expected >= 1 - 1e-12 ? double.NaN : (observed - expected) / (1 - expected);
}
