namespace ViGoR.Core.Tests.Annotations;

public sealed class AnnotationMergeTests
{
    private const string Text = "A dog sits. A cat naps.";

    private static AnnotatedDescription Labels(string id, SentenceErrorKind[] first, SentenceErrorKind[] second, bool creative = false, int? detail = null, string[]? missing = null) =>
        new(id, "i.jpg", "Describe.", Text, [new AnnotatedSentence(0, 11, first, false), new AnnotatedSentence(12, 23, second, creative)], detail, missing);

    private static readonly SentenceErrorKind[] Ok = [];
    private static readonly SentenceErrorKind[] Hal = [SentenceErrorKind.ObjectHallucination];
    private static readonly SentenceErrorKind[] HalAttr = [SentenceErrorKind.ObjectHallucination, SentenceErrorKind.Attribute];

    [Fact]
    public void The_majority_wins_per_kind_and_creative_with_no_tie()
    {
        var merged = AnnotationMerge.Majority(
        [
            [Labels("x", Ok, HalAttr, creative: true, detail: 4, missing: ["lamp"])],
            [Labels("x", Ok, Hal, creative: true, detail: 4, missing: ["Lamp ", "vase"])],
            [Labels("x", Hal, Ok, detail: 2)],
        ]);

        Assert.Empty(merged.Ties);
        var x = Assert.Single(merged.Descriptions);
        Assert.Equal(Ok, x.Sentences[0].Errors);
        Assert.Equal(Hal, x.Sentences[1].Errors);
        Assert.True(x.Sentences[1].Creative);
        Assert.Equal(4, x.Detail);
        Assert.Equal(["lamp"], x.Missing);
    }

    [Fact]
    public void Even_splits_are_listed_for_adjudication()
    {
        var merged = AnnotationMerge.Majority([[Labels("x", Ok, Hal, detail: 3)], [Labels("x", Ok, Ok, detail: 5), Labels("y", Ok, Ok)]]);

        Assert.Equal(["x", "y"], merged.Descriptions.Select(d => d.Id));
        Assert.Equal(Ok, merged.Descriptions[0].Sentences[1].Errors);
        Assert.Equal(3, merged.Descriptions[0].Detail);
        Assert.Equal(
            ["x, sentences[1].errors.object_hallucination: 1 of 2 annotators say yes; left out", "x, detail: 3, 5 each rated by 1 of 2 annotators; the lowest, 3"],
            merged.Ties.Select(t => t.ToString()));
    }

    [Fact]
    public void The_spans_most_annotators_used_are_kept()
    {
        var whole = new AnnotatedDescription("x", "i.jpg", "Describe.", Text, [new AnnotatedSentence(0, 23, Hal, false)]);
        var merged = AnnotationMerge.Majority([[whole], [Labels("x", Ok, Hal)], [Labels("x", Ok, Hal)]]);

        Assert.Equal(2, merged.Descriptions[0].Sentences.Count);
        Assert.Empty(merged.Ties);

        var tied = AnnotationMerge.Majority([[whole], [Labels("x", Ok, Hal)]]);
        Assert.Single(tied.Descriptions[0].Sentences);
        Assert.Equal("sentences", Assert.Single(tied.Ties).Field);
    }

    [Fact]
    public void Different_texts_under_one_id_are_refused_by_merge_and_agreement()
    {
        var other = Labels("x", Ok, Ok) with { Description = "A dog sits. A cow naps." };

        var e = Assert.Throws<InvalidDataException>(() => AnnotationMerge.Majority([[Labels("x", Ok, Ok)], [other]]));
        Assert.Equal("Description 'x' has different texts in two annotators' files: 'A dog sits. A cat naps.' and 'A dog sits. A cow naps.'.", e.Message);
        Assert.Throws<InvalidDataException>(() => AnnotationAgreement.Of([[Labels("x", Ok, Ok)], [other]]));
    }
}
