namespace ViGoR.Nlp.Tests;

public class DetectorQueryTests
{
    [Fact]
    public void Plans_distinct_asserted_thing_lemmas_over_k_texts_in_first_appearance_order()
    {
        // Three real captions of the same kind of scene: llava 1, mplug 1, minigpt-4 1 (RUCAIBox/POPE, MIT).
        string[] samples =
        [
            "The image depicts a group of zebras standing and grazing in a lush, grassy field. There are three zebras in total, with one positioned on the left side of the field, another in the center, and the third on the right side. They are enjoying their time in the green pasture, surrounded by trees which add to the serene atmosphere of the scene.",
            "The image features a group of zebras standing on a grassy field. In the background, there is a tree, which adds a natural touch to the scene.",
            "The image shows three zebras standing in a field of tall, green grass. The sky is clear and blue, and there are no other animals visible in the image.",
        ];
        var parsed = samples.Select(Fixture.Extractor.Extract).ToList();

        var queries = DetectorQueryPlanner.Plan(parsed);

        Assert.Equal(["zebra", "tree"], queries.Select(q => q.Phrase));
        var zebra = queries[0].Mentions;
        Assert.Equal(4, zebra.Count);
        Assert.Equal(new MentionLocation(0, 0, 0), zebra[0]);
        Assert.Equal(new MentionLocation(2, 0, 0), zebra[^1]);
        foreach (var location in queries.SelectMany(q => q.Mentions))
        {
            var mention = parsed[location.TextIndex].Sentences[location.SentenceIndex].Nouns[location.MentionIndex];
            Assert.True(mention.IsAsserted && mention.Kind == NounKind.Thing);
        }

        // Stable: the same texts give the same plan.
        Assert.Equal(queries.Select(q => q.Phrase), DetectorQueryPlanner.Plan(samples.Select(Fixture.Extractor.Extract).ToList()).Select(q => q.Phrase));
        // "no other animals" is negated, so "animal" is never asked about.
        Assert.DoesNotContain(queries, q => q.Phrase == "animal");
    }
}
