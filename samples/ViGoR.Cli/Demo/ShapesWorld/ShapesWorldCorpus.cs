using ViGoR.Evaluation;

namespace ViGoR.Cli.Demo.ShapesWorld;

/// <summary>One pre-training text: a prompt about a scene and the answer the (noisy) data gives.</summary>
internal sealed record CorpusText(Scene Scene, string Prompt, string Target);

/// <summary>
/// The texts the tiny demo LLaVA is pre-trained on: each scene's reference caption and two POPE-style
/// questions. A set fraction of captions also name an object that is not there — one that co-occurs
/// with the scene's theme, as LLaVA's hallucinations follow COCO's co-occurrences — and the data's
/// yes/no answer about that object agrees with the caption. So the base model learns to hallucinate
/// the way a model trained on noisy captions does, and by a measurable amount.
/// </summary>
internal static class ShapesWorldCorpus
{
    /// <summary>The description prompt (LLaVA's detailed-description instruction).</summary>
    public const string DescribePrompt = "Describe this image in detail.";

    /// <summary>A POPE question as LLaVA is asked it (with its answer-format suffix).</summary>
    public static string Question(string category) => $"Is there a {ShapesWorldKinds.Of(category).Word} in the image?" + PopeOptions.LlavaAnswerFormatSuffix;

    /// <summary>Every word the corpus, the prompts, LLaVA's conversation template and the reward model's questions and replies can use: the tokenizer's vocabulary.</summary>
    public static IEnumerable<string> Words()
    {
        string[] fixedText =
        [
            "There is a There are The is to the left of right above below large small",
            "one two three four five Yes No USER ASSISTANT",
            "0 1 2 3 4 5 6 7 8 9", // the reward model's replies (RewardLabelScheme.Categorical)
            DescribePrompt,
            "Is there a in the image? Answer the question using a single word or phrase.",
            ViGoR.Torch.Rewards.LlavaRewardModelOptions.PaperInstruction,
            ViGoR.Torch.Rewards.LlavaRewardModelOptions.HolisticInstruction,
        ];
        var words = fixedText.SelectMany(Split)
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

    /// <summary>A scene's pre-training texts: its (noisy) caption, one question about a present object and one about an absent one (the hallucinated object, answered "Yes", when the caption names one).</summary>
    public static IEnumerable<CorpusText> Texts(Scene scene, Random random, double hallucinationRate)
    {
        var (caption, hallucinated) = Caption(scene, random, hallucinationRate);
        yield return new CorpusText(scene, DescribePrompt, caption);
        var present = scene.Objects.Select(o => o.Kind.Category).Distinct().Order(StringComparer.Ordinal).ToList();
        yield return new CorpusText(scene, Question(present[random.Next(present.Count)]), "Yes");
        if (hallucinated is not null)
        {
            yield return new CorpusText(scene, Question(hallucinated), "Yes");
            yield break;
        }

        // Absent objects as POPE draws them: half co-occurring (adversarial), half uniform (random).
        var absent = ShapesWorldKinds.All.Select(k => k.Category).Where(c => !present.Contains(c)).ToList();
        var themed = ShapesWorldKinds.Themes[scene.Theme].Where(absent.Contains).ToList();
        var pool = themed.Count > 0 && random.NextDouble() < 0.5 ? themed : absent;
        yield return new CorpusText(scene, Question(pool[random.Next(pool.Count)]), "No");
    }

    /// <summary>Splits a ShapesWorld text into its sentences (each ends with a full stop).</summary>
    public static List<string> SplitSentences(string text) =>
        text.Split(". ", StringSplitOptions.RemoveEmptyEntries).Select(s => s.EndsWith('.') ? s : s + ".").ToList();

    private static IEnumerable<string> Split(string text) =>
        text.Split([' ', '\n'], StringSplitOptions.RemoveEmptyEntries).Select(w => w.TrimEnd('.', '?', ',', ':')).Where(w => w.Length > 0);
}
