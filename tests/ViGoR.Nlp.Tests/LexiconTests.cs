using System.IO.Compression;
using ViGoR.Nlp.LexiconBuilder;

namespace ViGoR.Nlp.Tests;

public class LexiconTests
{
    private static readonly DirectoryWordNetSource Mini = new(Fixture.Path("wordnet-mini"));

    [Fact]
    public void Embedded_lexicon_loads_with_parts_of_speech_kinds_and_exceptions()
    {
        var lexicon = WordNetLexicon.Default;
        Assert.True(lexicon.Count > 50_000);
        Assert.True(lexicon.TryGet("zebra", out var zebra));
        Assert.Equal((PartsOfSpeech.Noun, LexicalKind.Thing), (zebra.Pos, zebra.Kind));
        Assert.True(lexicon.TryGet("fire hydrant", out var hydrant));
        Assert.Equal(LexicalKind.Thing, hydrant.Kind);
        Assert.True(lexicon.TryGet("scene", out var scene));
        Assert.Equal(LexicalKind.NotVisual, scene.Kind);
        Assert.True(lexicon.TryGet("water", out var water));
        Assert.Equal(LexicalKind.Stuff, water.Kind);
        Assert.True(lexicon.TryGetNounException("geese", out var goose));
        Assert.Equal("goose", goose);
        Assert.True(lexicon.TryGetVerbException("sat", out var sit));
        Assert.Equal("sit", sit);
        Assert.False(lexicon.TryGet("einstein's", out _));
    }

    [Fact]
    public void Builder_reads_wordnet_files_into_entries()
    {
        var built = WordNetReader.Read(Mini);
        var byForm = built.Words.ToDictionary(w => w.Form);
        Assert.Equal(new LexiconEntry("zebra", "n", 'T', 'n'), byForm["zebra"]);
        Assert.Equal('X', byForm["scene"].Kind);
        Assert.Equal('T', byForm["fire hydrant"].Kind);
        Assert.Equal("v", byForm["sit"].Pos);
        Assert.Equal("a", byForm["green"].Pos);
        Assert.Equal("r", byForm["quickly"].Pos);
        Assert.Equal([new KeyValuePair<string, string>("geese", "goose")], built.NounExceptions);
        Assert.Equal([new KeyValuePair<string, string>("sat", "sit")], built.VerbExceptions);
    }

    [Fact]
    public void Builder_output_is_byte_identical_across_runs_and_round_trips()
    {
        var first = LexiconWriter.Write(WordNetReader.Read(Mini));
        var second = LexiconWriter.Write(WordNetReader.Read(Mini));
        Assert.Equal(first, second);

        using var reader = new StreamReader(new GZipStream(new MemoryStream(first), CompressionMode.Decompress));
        var lexicon = WordNetLexicon.Parse(reader, "mini");
        Assert.True(lexicon.TryGet("fire hydrant", out var hydrant));
        Assert.Equal(LexicalKind.Thing, hydrant.Kind);
    }

    [Fact]
    public void Builder_names_the_file_that_is_missing()
    {
        var error = Assert.Throws<IOException>(() => WordNetReader.Read(new DirectoryWordNetSource(Fixture.Path("no-such-dir"))));
        Assert.Contains("cntlist.rev", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_names_the_bad_line()
    {
        using var reader = new StringReader("# header\n[words]\nzebra\tn\tT\tn\ndog\tq\tT\tn\n");
        var error = Assert.Throws<InvalidDataException>(() => WordNetLexicon.Parse(reader, "broken.txt"));
        Assert.Contains("broken.txt, line 4", error.Message, StringComparison.Ordinal);
    }
}
