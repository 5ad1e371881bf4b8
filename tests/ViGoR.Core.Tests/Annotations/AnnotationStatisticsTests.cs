namespace ViGoR.Core.Tests.Annotations;

public class AnnotationStatisticsTests
{
    [Fact]
    public void Statistics_of_a_hand_checked_set()
    {
        // d1: correct | object hallucination | conjecture (creative); detail 4.
        // d2: correct (creative); detail 4.   d3: attribute + location | correct; no detail.
        var descriptions = ViGoR.Annotations.Parse(AnnotationSamples.All, "a.jsonl").Descriptions;

        var stats = AnnotationStatistics.Of(descriptions);

        Assert.Equal((3, 6, 3, 3, 2), (stats.Descriptions, stats.Sentences, stats.CorrectSentences, stats.ErroneousSentences, stats.DescriptionsWithError));
        Assert.Equal((2.0, 1, 3), (stats.MeanSentencesPerDescription, stats.MinSentencesPerDescription, stats.MaxSentencesPerDescription));
        Assert.Equal(2.0 / 6, stats.CreativityRate);
        Assert.Equal(
            new Dictionary<SentenceErrorKind, int>
            {
                [SentenceErrorKind.ObjectHallucination] = 1,
                [SentenceErrorKind.Attribute] = 1,
                [SentenceErrorKind.Relationship] = 0,
                [SentenceErrorKind.Location] = 1,
                [SentenceErrorKind.UnreasonableConjecture] = 1,
            },
            stats.ErrorKinds);
        Assert.Equal(new Dictionary<int, int> { [1] = 0, [2] = 0, [3] = 0, [4] = 2, [5] = 0 }, stats.DetailHistogram);
    }

    [Fact]
    public void Statistics_of_nothing_are_zero()
    {
        var stats = AnnotationStatistics.Of([]);

        Assert.Equal((0, 0, 0.0, 0, 0, 0.0), (stats.Descriptions, stats.Sentences, stats.MeanSentencesPerDescription, stats.MinSentencesPerDescription, stats.MaxSentencesPerDescription, stats.CreativityRate));
        Assert.All(stats.ErrorKinds.Values, n => Assert.Equal(0, n));
    }

    [Fact]
    public void ToJson_uses_the_file_formats_kind_names()
    {
        var stats = AnnotationStatistics.Of(ViGoR.Annotations.Parse(AnnotationSamples.All, "a.jsonl").Descriptions);

        using var json = System.Text.Json.JsonDocument.Parse(stats.ToJson());

        var root = json.RootElement;
        Assert.Equal(3, root.GetProperty("correct_sentences").GetInt32());
        Assert.Equal(1, root.GetProperty("error_kinds").GetProperty("conjecture").GetInt32());
        Assert.Equal(
            ["object_hallucination", "attribute", "relationship", "location", "conjecture"],
            root.GetProperty("error_kinds").EnumerateObject().Select(p => p.Name));
        Assert.Equal(2, root.GetProperty("detail_histogram").GetProperty("4").GetInt32());
        Assert.Equal(2.0 / 6, root.GetProperty("creativity_rate").GetDouble());
    }
}
