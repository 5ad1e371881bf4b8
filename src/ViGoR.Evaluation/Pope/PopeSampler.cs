namespace ViGoR.Evaluation;

/// <summary>One image's ground truth as POPE samples from it: its id (file name) and the categories present in it.</summary>
/// <param name="Image">The image's id, written into each question.</param>
/// <param name="Present">The categories present in the image.</param>
public sealed record PopeImage(string Image, IReadOnlyCollection<string> Present);

/// <summary>One sampled POPE question: is <paramref name="Category"/> in <paramref name="Image"/>, with the ground-truth answer.</summary>
/// <param name="QuestionId">1-based, per split.</param>
/// <param name="Image">The image's id.</param>
/// <param name="Category">The category asked about.</param>
/// <param name="Present">The ground truth: true for "yes".</param>
/// <param name="Split"><c>random</c>, <c>popular</c> or <c>adversarial</c>.</param>
public sealed record PopeItem(int QuestionId, string Image, string Category, bool Present, string Split);

/// <summary>
/// POPE's three ways of picking absent objects (Li et al., 2023): <c>random</c> (uniform over absent
/// categories), <c>popular</c> (the most frequent categories of the data set) and <c>adversarial</c>
/// (the categories that co-occur most with the image's own). Each image gets as many "no" questions
/// as "yes" questions (up to <c>perImage</c> of each), as POPE does. Deterministic for a seed.
/// </summary>
public static class PopeSampler
{
    /// <summary>The three splits, in POPE's order.</summary>
    public static IReadOnlyList<string> Splits { get; } = ["random", "popular", "adversarial"];

    /// <summary>Samples one split's questions about <paramref name="images"/>.</summary>
    /// <param name="images">Each image's present categories.</param>
    /// <param name="categories">Every category an absent object may be drawn from (the data set's vocabulary).</param>
    /// <param name="split">One of <see cref="Splits"/>.</param>
    /// <param name="seed">Seeds the random choices (which present objects are asked, and the random split's absent ones).</param>
    /// <param name="perImage">At most this many "yes" questions per image, and as many "no" ones.</param>
    /// <exception cref="ArgumentException"><paramref name="split"/> is not one of <see cref="Splits"/>.</exception>
    public static IReadOnlyList<PopeItem> Sample(IReadOnlyList<PopeImage> images, IReadOnlyList<string> categories, string split, int seed, int perImage = 3)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(categories);
        if (!Splits.Contains(split))
        {
            throw new ArgumentException($"POPE split '{split}' is not random, popular or adversarial.", nameof(split));
        }

        var frequency = images.SelectMany(s => s.Present.Distinct())
            .GroupBy(c => c).ToDictionary(g => g.Key, g => g.Count());
        var cooccurrence = new Dictionary<(string, string), int>();
        foreach (var image in images)
        {
            var present = image.Present.Distinct().ToList();
            foreach (var a in present)
            {
                foreach (var b in present.Where(b => b != a))
                {
                    cooccurrence[(a, b)] = cooccurrence.GetValueOrDefault((a, b)) + 1;
                }
            }
        }

#pragma warning disable CA5394 // Not for security: POPE's reproducible question draw.
        var random = new Random(seed);
        var items = new List<PopeItem>();
        foreach (var image in images)
        {
            var present = image.Present.Distinct().OrderBy(c => c, StringComparer.Ordinal).ToList();
            var absent = categories.Where(c => !present.Contains(c)).ToList();
            var yes = present.OrderBy(_ => random.Next()).Take(perImage).ToList();
            IEnumerable<string> ranked = split switch
            {
                "random" => absent.OrderBy(_ => random.Next()),
                "popular" => absent.OrderByDescending(c => frequency.GetValueOrDefault(c)).ThenBy(c => c, StringComparer.Ordinal),
                _ => absent.OrderByDescending(c => present.Sum(p => cooccurrence.GetValueOrDefault((p, c)))).ThenBy(c => c, StringComparer.Ordinal),
            };
#pragma warning restore CA5394
            var no = ranked.Take(yes.Count).ToList();
            foreach (var (category, label) in yes.Select(c => (c, true)).Concat(no.Select(c => (c, false))))
            {
                items.Add(new PopeItem(items.Count + 1, image.Image, category, label, split));
            }
        }

        return items;
    }
}
