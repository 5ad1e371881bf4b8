namespace ViGoR.Cli.Demo.ShapesWorld;

/// <summary>One POPE question: "Is there a {object} in the image?" with its yes/no label.</summary>
internal sealed record PopeItem(int QuestionId, string Image, string Object, bool Present, string Split)
{
    public string Text => $"Is there a {ShapesWorldKinds.Of(Object).Word} in the image?";
}

/// <summary>
/// POPE's three ways of picking absent objects (Li et al., 2023): <c>random</c> (uniform over absent
/// categories), <c>popular</c> (the most frequent categories of the data set) and <c>adversarial</c>
/// (the categories that co-occur most with the image's own). Each image gets as many "no" questions
/// as "yes" questions (up to 3 of each), as POPE does.
/// </summary>
internal static class PopeSampler
{
    public static IReadOnlyList<PopeItem> Sample(IReadOnlyList<Scene> scenes, string split, int seed, int perImage = 3)
    {
        var frequency = scenes.SelectMany(s => s.Objects.Select(o => o.Kind.Category).Distinct())
            .GroupBy(c => c).ToDictionary(g => g.Key, g => g.Count());
        var cooccurrence = new Dictionary<(string, string), int>();
        foreach (var scene in scenes)
        {
            var present = scene.Objects.Select(o => o.Kind.Category).Distinct().ToList();
            foreach (var a in present)
            {
                foreach (var b in present.Where(b => b != a))
                {
                    cooccurrence[(a, b)] = cooccurrence.GetValueOrDefault((a, b)) + 1;
                }
            }
        }

        var all = ShapesWorldKinds.All.Select(k => k.Category).ToList();
        var random = new Random(seed);
        var items = new List<PopeItem>();
        foreach (var scene in scenes)
        {
            var present = scene.Objects.Select(o => o.Kind.Category).Distinct().OrderBy(c => c, StringComparer.Ordinal).ToList();
            var absent = all.Where(c => !present.Contains(c)).ToList();
            var yes = present.OrderBy(_ => random.Next()).Take(perImage).ToList();
            IEnumerable<string> ranked = split switch
            {
                "random" => absent.OrderBy(_ => random.Next()),
                "popular" => absent.OrderByDescending(c => frequency.GetValueOrDefault(c)).ThenBy(c => c, StringComparer.Ordinal),
                "adversarial" => absent.OrderByDescending(c => present.Sum(p => cooccurrence.GetValueOrDefault((p, c)))).ThenBy(c => c, StringComparer.Ordinal),
                _ => throw new ArgumentException($"POPE split '{split}' is not random, popular or adversarial.", nameof(split)),
            };
            var no = ranked.Take(yes.Count).ToList();
            foreach (var (category, label) in yes.Select(c => (c, true)).Concat(no.Select(c => (c, false))))
            {
                items.Add(new PopeItem(items.Count + 1, scene.FileName, category, label, split));
            }
        }

        return items;
    }
}
