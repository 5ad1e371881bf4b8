namespace ViGoR.Core.Tests.Annotations;

public sealed class AnnotationReadTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("vigor-annotations-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void A_valid_file_reads_every_field()
    {
        var file = ViGoR.Annotations.Parse(AnnotationSamples.All, "a.jsonl");

        Assert.Empty(file.Problems);
        Assert.Equal(["d1", "d2", "d3"], file.Descriptions.Select(d => d.Id));
        var dog = file.Descriptions[0];
        Assert.Equal(("dog.jpg", "Describe the image.", 4), (dog.Image, dog.Prompt, dog.Detail));
        Assert.Equal(["lamp"], dog.Missing!);
        Assert.Equal([(0, 25), (26, 49), (50, 80)], dog.Sentences.Select(s => (s.Start, s.End)));
        Assert.Equal([SentenceErrorKind.UnreasonableConjecture], dog.Sentences[2].Errors);
        Assert.Equal([false, false, true], dog.Sentences.Select(s => s.Creative));
        Assert.Equal([true, false, false], dog.Sentences.Select(s => s.IsCorrect));
        Assert.True(dog.HasError);
        Assert.False(file.Descriptions[1].HasError);
        var bike = file.Descriptions[2];
        Assert.Equal((null, null), (bike.Detail, bike.Missing));
        Assert.Equal([SentenceErrorKind.Attribute, SentenceErrorKind.Location], bike.Sentences[0].Errors);
        Assert.False(bike.Sentences[1].Creative);
    }

    [Fact]
    public void Write_then_read_round_trips_in_the_documented_format()
    {
        var original = ViGoR.Annotations.Parse(AnnotationSamples.All, "a.jsonl").Descriptions;
        var path = Path.Combine(_folder, "out", "annotations.jsonl");

        ViGoR.Annotations.Write(path, original);
        var back = ViGoR.Annotations.Read(path).Descriptions;

        var lines = File.ReadAllLines(path);
        Assert.Equal(3, lines.Length);
        Assert.Equal(
            """{"id":"d1","image":"dog.jpg","prompt":"Describe the image.","description":"A dog sits on a red sofa. A cat sleeps beside it. The owner is probably at work.","sentences":[{"start":0,"end":25,"errors":[],"creative":false},{"start":26,"end":49,"errors":["object_hallucination"],"creative":false},{"start":50,"end":80,"errors":["conjecture"],"creative":true}],"detail":4,"missing":["lamp"]}""",
            lines[0]);
        Assert.DoesNotContain("detail", lines[2], StringComparison.Ordinal);
        Assert.Equal(original.Count, back.Count);
        for (var i = 0; i < original.Count; i++)
        {
            Assert.Equal(Flat(original[i]), Flat(back[i]));
        }

        ViGoR.Annotations.Write(path, back);
        Assert.Equal(lines, File.ReadAllLines(path));
    }

    [Fact]
    public void SentenceText_and_ToParsedText_use_the_annotators_spans_verbatim()
    {
        // The spans leave out the space between sentences and are never re-split.
        var dog = ViGoR.Annotations.Parse(AnnotationSamples.Dog, "a.jsonl").Descriptions[0];

        Assert.Equal("A cat sleeps beside it.", dog.SentenceText(1));
        Assert.Throws<ArgumentOutOfRangeException>(() => dog.SentenceText(3));
        var parsed = dog.ToParsedText();
        Assert.Equal(dog.Description, parsed.Text);
        Assert.Equal(
            [(0, 0, 25, "A dog sits on a red sofa."), (1, 26, 49, "A cat sleeps beside it."), (2, 50, 80, "The owner is probably at work.")],
            parsed.Sentences.Select(s => (s.Index, s.Start, s.End, s.Text)));
        Assert.All(parsed.Sentences, s => Assert.Empty(s.Nouns));
    }

    [Fact]
    public void Spans_that_split_a_sentence_are_kept_as_given()
    {
        var line = AnnotationSamples.Sky.Replace("""[{"start":0,"end":17,"errors":[],"creative":true}]""", """[{"start":0,"end":7,"errors":[]},{"start":8,"end":17,"errors":["attribute"]}]""", StringComparison.Ordinal);

        var parsed = ViGoR.Annotations.Parse(line, "a.jsonl").Descriptions[0].ToParsedText();

        Assert.Equal(["A clear", "blue sky."], parsed.Sentences.Select(s => s.Text));
    }

    private static string Flat(AnnotatedDescription d) =>
        $"{d.Id}|{d.Image}|{d.Prompt}|{d.Description}|{d.Detail}|{(d.Missing is null ? "null" : string.Join(",", d.Missing))}|"
        + string.Join(";", d.Sentences.Select(s => $"{s.Start}-{s.End}:{string.Join(",", s.Errors)}:{s.Creative}"));
}
