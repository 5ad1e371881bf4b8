namespace ViGoR.Core.Tests.Annotations;

public sealed class MhalSpansTests
{
    [Fact]
    public void Export_then_import_keeps_spans_kinds_and_creative()
    {
        var original = ViGoR.Annotations.Parse(AnnotationSamples.All, "a.jsonl").Descriptions;

        var mhal = MhalSpans.Export(original);
        var back = MhalSpans.Import(mhal, "m.jsonl");

        Assert.Contains("{\"start\":26,\"end\":49,\"text\":\"A cat sleeps beside it.\",\"label\":\"INACCURATE\",\"errors\":[\"object_hallucination\"],\"creative\":false}", mhal, StringComparison.Ordinal);
        Assert.Contains("\"label\":\"ANALYSIS\"", mhal, StringComparison.Ordinal);
        Assert.Equal(original.SelectMany(d => SentenceKeys.Of(d.Sentences)), back.SelectMany(d => SentenceKeys.Of(d.Sentences)));
        Assert.Equal(original.Select(d => (d.Id, d.Image, d.Prompt, d.Description)), back.Select(d => (d.Id, d.Image, d.Prompt, d.Description)));
    }

    [Fact]
    public void Plain_mhal_labels_map_to_kinds_and_unsure_spans_stay_unlabelled()
    {
        const string line = """{"id":"q1","image":"a.jpg","question":"Describe.","response":"A dog. A cat. Maybe a bird.","annotations":[{"start":0,"end":6,"text":"A dog.","label":"ACCURATE"},{"start":7,"end":13,"text":"A cat.","label":"INACCURATE"},{"start":14,"end":27,"text":"Maybe a bird.","label":"UNSURE"}]}""";

        var d = Assert.Single(MhalSpans.Import(line, "m.jsonl"));

        Assert.Equal(["0-6 []", "7-13 [ObjectHallucination]"], SentenceKeys.Of(d.Sentences));
    }

    [Theory]
    [InlineData("\"label\":\"ACCURATE\"", "\"label\":\"WRONG\"", "m.jsonl, line 1, annotations[0].label: unknown label 'WRONG' (expected ACCURATE, INACCURATE, ANALYSIS or UNSURE).")]
    [InlineData("\"end\":6", "\"end\":60", "m.jsonl, line 1, sentences[0].end: 60 is past the end of the description (6 characters)")]
    public void Bad_spans_name_file_line_and_field(string find, string replace, string expected)
    {
        var line = """{"id":"q1","response":"A dog.","annotations":[{"start":0,"end":6,"label":"ACCURATE"}]}""".Replace(find, replace, StringComparison.Ordinal);

        var e = Assert.Throws<InvalidDataException>(() => MhalSpans.Import(line, "m.jsonl"));

        Assert.Equal(expected, e.Message);
    }
}
