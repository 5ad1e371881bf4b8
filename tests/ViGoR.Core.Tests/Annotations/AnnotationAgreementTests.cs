namespace ViGoR.Core.Tests.Annotations;

public sealed class AnnotationAgreementTests
{
    private const string Text = "A dog sits. A cat naps. A bird sings. A car waits.";

    private static AnnotatedDescription Labels(string id, params SentenceErrorKind[][] errors) =>
        new(id, id + ".jpg", "Describe.", Text, [.. errors.Select((e, i) => new AnnotatedSentence(new[] { 0, 12, 24, 38 }[i], new[] { 11, 23, 37, 50 }[i], e, false))]);

    private static readonly SentenceErrorKind[] Ok = [];
    private static readonly SentenceErrorKind[] Hal = [SentenceErrorKind.ObjectHallucination];
    private static readonly SentenceErrorKind[] Attr = [SentenceErrorKind.Attribute];

    [Fact]
    public void Two_annotators_get_cohens_kappa_overall_and_per_kind()
    {
        // Overall (has an error): A = [n, y, y, n], B = [n, y, n, n]. p_o = 3/4; A yes 1/2, B yes 1/4:
        // p_e = 1/2 · 1/4 + 1/2 · 3/4 = 1/2; kappa = 1/2.
        var a = new[] { Labels("x", Ok, Hal, Attr, Ok) };
        var b = new[] { Labels("x", Ok, Hal, Ok, Ok) };

        var agreement = AnnotationAgreement.Of([a, b]);

        Assert.Equal(("cohen", 1, 4, 0), (agreement.Measure, agreement.Descriptions, agreement.Sentences, agreement.UnalignedSentences));
        Assert.Equal(0.75, agreement.Overall.Observed, 12);
        Assert.Equal(0.5, agreement.Overall.Kappa, 12);
        Assert.Equal(1, agreement.ErrorKinds[SentenceErrorKind.ObjectHallucination].Kappa, 12);
        Assert.Equal(0, agreement.ErrorKinds[SentenceErrorKind.Attribute].Kappa, 12); // A yes 1/4, B never: p_o = p_e = 3/4
        Assert.True(double.IsNaN(agreement.ErrorKinds[SentenceErrorKind.Location].Kappa));
        Assert.Contains("\"location\":{\"observed\":1,\"kappa\":null}", agreement.ToJson(), StringComparison.Ordinal);
    }

    [Fact]
    public void Three_annotators_get_fleiss_kappa_and_unaligned_spans_are_counted()
    {
        // Overall: sentence votes (yes of 3) = 0, 3, 1, 0 → P_i = 1, 1, 1/3, 1; P-bar = 5/6.
        // p_yes = 4/12 → P_e = 1/9 + 4/9 = 5/9; kappa = (5/6 - 5/9) / (4/9) = 5/8.
        var a = new[] { Labels("x", Ok, Hal, Attr, Ok) };
        var b = new[] { Labels("x", Ok, Hal, Ok, Ok) };
        var c = new[] { Labels("x", Ok, Hal, Ok, Ok), Labels("only-c", Ok) };
        var merged = Labels("x", Ok, Hal, Ok) with { };
        var split = merged with { Sentences = [.. merged.Sentences, new AnnotatedSentence(38, 44, [], false), new AnnotatedSentence(45, 50, [], false)] };

        var agreement = AnnotationAgreement.Of([a, b, c]);
        Assert.Equal(("fleiss", 4), (agreement.Measure, agreement.Sentences));
        Assert.Equal(5.0 / 6, agreement.Overall.Observed, 12);
        Assert.Equal(5.0 / 8, agreement.Overall.Kappa, 12);

        var withSplit = AnnotationAgreement.Of([a, [split]]);
        Assert.Equal((3, 3), (withSplit.Sentences, withSplit.UnalignedSentences)); // a's last sentence, and split's two halves
    }

    [Fact]
    public void Annotators_with_nothing_in_common_are_an_error()
    {
        var e = Assert.Throws<InvalidOperationException>(() => AnnotationAgreement.Of([[Labels("x", Ok)], [Labels("y", Ok)]]));
        Assert.Contains("0 descriptions in common", e.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => AnnotationAgreement.Of([[Labels("x", Ok)]]));
    }
}
