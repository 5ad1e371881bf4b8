namespace ViGoR.ShapesWorld;

/// <summary>One pre-training text: a prompt about a scene and the answer the (noisy) data gives.</summary>
/// <param name="Scene">The scene the text is about.</param>
/// <param name="Prompt">The user's turn: the description prompt or a yes/no question.</param>
/// <param name="Target">The answer the data gives (a caption, "Yes" or "No"); it may be wrong on purpose.</param>
public sealed record CorpusText(Scene Scene, string Prompt, string Target);

/// <summary>
/// The texts the tiny demo LLaVA is pre-trained on: each scene's reference caption and two POPE-style
/// questions. A set fraction of captions also name an object that is not there — one that co-occurs
/// with the scene's theme, as LLaVA's hallucinations follow COCO's co-occurrences — and the data's
/// yes/no answer about that object agrees with the caption. So the base model learns to hallucinate
/// the way a model trained on noisy captions does, and by a measurable amount.
/// </summary>
public static class ShapesWorldCorpus
{
    /// <summary>The description prompt (LLaVA's detailed-description instruction).</summary>
    public const string DescribePrompt = "Describe this image in detail.";

    /// <summary>POPE's question about a category, in ShapesWorld's words ("Is there a ball in the image?"), followed by <paramref name="suffix"/> (e.g. LLaVA's answer-format instruction).</summary>
    /// <exception cref="InvalidOperationException"><paramref name="category"/> is not a ShapesWorld category.</exception>
    public static string Question(string category, string suffix = "") => $"Is there a {ShapesWorldKinds.Of(category).Word} in the image?" + suffix;

    /// <summary>
    /// Every word the corpus, the prompts and <paramref name="extraText"/> use (e.g. a conversation
    /// template's roles, a reward model's instruction and replies): a tokenizer's vocabulary, in first-use order.
    /// </summary>
    public static IEnumerable<string> Words(params IEnumerable<string> extraText)
    {
        string[] fixedText =
        [
            "There is a There are The is to the left of right above below large small",
            "one two three four five Yes No",
            DescribePrompt,
            "Is there a in the image?",
        ];
        var words = fixedText.Concat(extraText).SelectMany(Split)
            .Concat(ShapesWorldKinds.Palette.Keys)
            .Concat(ShapesWorldKinds.All.SelectMany(k => Split(k.Word).Concat(Split(k.Plural))));
        return words.Distinct(StringComparer.Ordinal);
    }

    /// <summary>The caption the data gives a scene: the reference caption, and with probability <paramref name="hallucinationRate"/> one more sentence about an absent co-occurring object.</summary>
    public static (string Caption, string? Hallucinated) Caption(Scene scene, Random random, double hallucinationRate)
    {
        if (random.NextDouble() >= hallucinationRate)
        {
            return (scene.Caption, null);
        }

        var present = scene.Objects.Select(o => o.Kind.Category).ToHashSet(StringComparer.Ordinal);
        var themed = ShapesWorldKinds.Themes[scene.Theme].Where(c => !present.Contains(c)).ToList();
        var pool = themed.Count > 0 ? themed : ShapesWorldKinds.All.Select(k => k.Category).Where(c => !present.Contains(c)).ToList();
        var kind = ShapesWorldKinds.Of(pool[random.Next(pool.Count)]);
        string size = random.NextDouble() < 0.5 ? (random.NextDouble() < 0.4 ? "large " : "small ") : string.Empty;
        string colour = kind.Colours.Count > 1 ? kind.Colours[random.Next(kind.Colours.Count)] + " " : string.Empty;
        var extra = $"There is a {size}{colour}{kind.Word}.";

        // Among the object sentences (before the relations), at a random place.
        var sentences = SplitSentences(scene.Caption);
        int objectSentences = sentences.Count(s => s.StartsWith("There ", StringComparison.Ordinal));
        sentences.Insert(random.Next(objectSentences + 1), extra);
        return (string.Join(" ", sentences), kind.Category);
    }

    /// <summary>
    /// A scene's pre-training texts: its (noisy) caption, one question about a present object and one about
    /// an absent one (the hallucinated object, answered "Yes", when the caption names one). Questions end
    /// with <paramref name="questionSuffix"/>.
    /// </summary>
    public static IEnumerable<CorpusText> Texts(Scene scene, Random random, double hallucinationRate, string questionSuffix = "")
    {
        var (caption, hallucinated) = Caption(scene, random, hallucinationRate);
        yield return new CorpusText(scene, DescribePrompt, caption);
        var present = scene.Objects.Select(o => o.Kind.Category).Distinct().Order(StringComparer.Ordinal).ToList();
        yield return new CorpusText(scene, Question(present[random.Next(present.Count)], questionSuffix), "Yes");
        if (hallucinated is not null)
        {
            yield return new CorpusText(scene, Question(hallucinated, questionSuffix), "Yes");
            yield break;
        }

        // Absent objects as POPE draws them: half co-occurring (adversarial), half uniform (random).
        var absent = ShapesWorldKinds.All.Select(k => k.Category).Where(c => !present.Contains(c)).ToList();
        var themed = ShapesWorldKinds.Themes[scene.Theme].Where(absent.Contains).ToList();
        var pool = themed.Count > 0 && random.NextDouble() < 0.5 ? themed : absent;
        yield return new CorpusText(scene, Question(pool[random.Next(pool.Count)], questionSuffix), "No");
    }

    /// <summary>Splits a ShapesWorld text into its sentences (each ends with a full stop).</summary>
    public static List<string> SplitSentences(string text) =>
        text.Split(". ", StringSplitOptions.RemoveEmptyEntries).Select(s => s.EndsWith('.') ? s : s + ".").ToList();

    private static IEnumerable<string> Split(string text) =>
        text.Split([' ', '\n'], StringSplitOptions.RemoveEmptyEntries).Select(w => w.TrimEnd('.', '?', ',', ':')).Where(w => w.Length > 0);
}
