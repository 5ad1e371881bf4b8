namespace ViGoR.ShapesWorld.Tests;

/// <summary>The noisy pre-training corpus and the simulated annotator.</summary>
public sealed class CorpusAndAnnotatorTests
{
    private static readonly List<Scene> Scenes = Enumerable.Range(0, 400).Select(i => ShapesWorldGenerator.Generate(seed: 5, i)).ToList();

    [Fact]
    public void The_corpus_hallucinates_absent_co_occurring_objects_at_the_set_rate_and_its_answers_agree()
    {
        var random = new Random(2);
        int hallucinated = 0, themed = 0;
        foreach (var scene in Scenes)
        {
            var texts = ShapesWorldCorpus.Texts(scene, random, 0.4).ToList();
            var caption = texts[0].Target;
            var extra = ShapesWorldCorpus.SplitSentences(caption).Where(s => SimulatedAnnotator.Judge(s, scene) == SentenceErrorKind.ObjectHallucination).ToList();
            Assert.True(extra.Count <= 1, caption);
            if (extra.Count == 1)
            {
                hallucinated++;
                var named = ShapesWorldKinds.All.First(k => extra[0].EndsWith(" " + k.Word + ".", StringComparison.Ordinal));
                themed += ShapesWorldKinds.Themes[scene.Theme].Contains(named.Category) ? 1 : 0;

                // The data's answer about the hallucinated object agrees with its caption.
                Assert.Equal("Yes", texts.Single(t => t.Prompt == ShapesWorldCorpus.Question(named.Category)).Target);
            }
            else
            {
                Assert.Equal(scene.Caption, caption);
                Assert.Equal("No", texts[2].Target);
            }
        }

        Assert.InRange(hallucinated / (double)Scenes.Count, 0.33, 0.47);
        Assert.True(themed >= hallucinated * 0.8, $"{themed} of {hallucinated} hallucinations co-occur with the theme");
    }

    [Fact]
    public void The_simulated_annotator_labels_reference_sentences_correct_and_errors_by_kind()
    {
        var scene = Scenes.First(s => s.Objects.Select(o => o.Kind).Distinct().Count() >= 2 && s.Objects.GroupBy(o => o.Kind).All(g => g.Count() == 1) && s.Objects[0].Kind.Colours.Count > 1);
        var (a, b) = (scene.Objects[0], scene.Objects[1]);
        Assert.All(ShapesWorldCorpus.SplitSentences(scene.Caption), s => Assert.Equal(SentenceErrorKind.None, SimulatedAnnotator.Judge(s, scene)));

        var absent = ShapesWorldKinds.All.First(k => scene.Objects.All(o => o.Kind != k));
        Assert.Equal(SentenceErrorKind.ObjectHallucination, SimulatedAnnotator.Judge($"There is a {absent.Word}.", scene));
        Assert.Equal(SentenceErrorKind.Attribute, SimulatedAnnotator.Judge($"There are two {a.Kind.Plural}.", scene));
        var wrongColour = ShapesWorldKinds.Palette.Keys.First(c => c != a.Colour);
        Assert.Equal(SentenceErrorKind.Attribute, SimulatedAnnotator.Judge($"There is a {wrongColour} {a.Kind.Word}.", scene));
        Assert.Equal(SentenceErrorKind.None, SimulatedAnnotator.Judge($"There is a {a.Colour} {a.Kind.Word}.", scene));
        var opposite = ShapesWorldGenerator.Relation(b, a);
        Assert.Equal(SentenceErrorKind.Relationship, SimulatedAnnotator.Judge($"The {a.Kind.Word} is {opposite} the {b.Kind.Word}.", scene));
        Assert.Equal(SentenceErrorKind.ObjectHallucination, SimulatedAnnotator.Judge($"The {a.Kind.Word} is above the {absent.Word}.", scene));
        Assert.Equal(SentenceErrorKind.UnreasonableConjecture, SimulatedAnnotator.Judge("kite Is book umbr", scene));

        // Spans cover each sentence exactly; noise 1 flips every label.
        var description = scene.Caption + $" There is a {absent.Word}.";
        var clean = SimulatedAnnotator.Annotate("x", scene, ShapesWorldCorpus.DescribePrompt, description, 0, new Random(1));
        Assert.Equal(ShapesWorldCorpus.SplitSentences(description), clean.Sentences.Select((_, i) => clean.SentenceText(i)));
        Assert.Equal([SentenceErrorKind.ObjectHallucination], clean.Sentences[^1].Errors);
        var flipped = SimulatedAnnotator.Annotate("x", scene, ShapesWorldCorpus.DescribePrompt, description, 1, new Random(1));
        Assert.Empty(flipped.Sentences[^1].Errors);
        Assert.All(flipped.Sentences.SkipLast(1), s => Assert.Single(s.Errors));
    }
}
