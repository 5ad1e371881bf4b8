using System.Text;

namespace ViGoR.Core.Tests.Annotations;

public sealed class AnnotationRevisionTests
{
    private static string Revised(string line, int revision, string find, string replace) =>
        line.Replace(find, replace, StringComparison.Ordinal)[..^1] + $",\"revision\":{revision}}}";

    [Fact]
    public void A_later_revision_replaces_the_earlier_line_where_it_stood()
    {
        var text = string.Join('\n', AnnotationSamples.Dog, AnnotationSamples.Sky, Revised(AnnotationSamples.Dog, 1, "\"detail\":4", "\"detail\":2"));

        var file = ViGoR.Annotations.Parse(text, "a.jsonl");

        Assert.Equal(["d1", "d2"], file.Descriptions.Select(d => d.Id));
        Assert.Equal((2, 1), (file.Descriptions[0].Detail, file.Descriptions[0].Revision));
        Assert.Equal(0, file.Descriptions[1].Revision);
    }

    [Theory]
    [InlineData(0, "id: 'd1' is already the id of line 2 (revision 1); a later line needs a greater revision, found 0")]
    [InlineData(1, "id: 'd1' is already the id of line 2 (revision 1); a later line needs a greater revision, found 1")]
    public void A_repeated_id_must_have_a_greater_revision(int revision, string expected)
    {
        var text = string.Join('\n', AnnotationSamples.Dog, Revised(AnnotationSamples.Dog, 1, "x", "x"), Revised(AnnotationSamples.Dog, revision, "x", "x"));

        var e = Assert.Throws<InvalidDataException>(() => ViGoR.Annotations.Parse(text, "a.jsonl"));

        Assert.Equal($"a.jsonl, line 3, {expected}", e.Message);
    }

    [Theory]
    [InlineData("-1", "revision: expected a non-negative integer, found -1")]
    [InlineData("\"2\"", "revision: expected a non-negative integer, found a string")]
    public void A_revision_is_a_non_negative_integer(string value, string expected)
    {
        var text = AnnotationSamples.Dog[..^1] + $",\"revision\":{value}}}";

        var e = Assert.Throws<InvalidDataException>(() => ViGoR.Annotations.Parse(text, "a.jsonl"));

        Assert.Equal($"a.jsonl, line 1, {expected}", e.Message);
    }

    [Fact]
    public void ToJsonLine_writes_the_revision_and_reads_back_equal()
    {
        var dog = ViGoR.Annotations.Parse(AnnotationSamples.Dog, "a.jsonl").Descriptions[0] with { Revision = 3 };
        var line = Encoding.UTF8.GetString(ViGoR.Annotations.ToJsonLine(dog));

        Assert.EndsWith(",\"revision\":3}\n", line, StringComparison.Ordinal);
        var back = ViGoR.Annotations.Parse(line, "b.jsonl").Descriptions[0];
        Assert.Equal(SentenceKeys.Of(dog.Sentences), SentenceKeys.Of(back.Sentences));
        Assert.Equal((dog.Id, dog.Detail, dog.Revision), (back.Id, back.Detail, back.Revision));
        Assert.DoesNotContain("revision", Encoding.UTF8.GetString(ViGoR.Annotations.ToJsonLine(dog with { Revision = 0 })), StringComparison.Ordinal);
    }
}
