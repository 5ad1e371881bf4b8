namespace ViGoR.Core.Tests.Journal;

/// <summary>The one resumable JSON Lines writer (the cases were vigor generate's resume tests, moved with its code).</summary>
public sealed class JsonLinesAppenderTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("vigor-appender-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string File(string text)
    {
        var path = Path.Combine(_folder, "samples.jsonl");
        System.IO.File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public async Task Resume_drops_a_torn_last_line_keeps_the_complete_ones_and_appends_after_them()
    {
        var path = File("{\"image\":\"a.png\",\"prompt\":\"p\",\"samples\":[\"x\"]}\n{\"image\":\"b.png\",\"prompt\":\"p\",\"samples\":[\"y\"]}\n{\"image\":\"c.png\",\"pro");

        await using (var appender = JsonLinesAppender.Open(path))
        {
            Assert.Equal(["a.png", "b.png"], appender.ExistingLines.Select(l => l.GetString("image")));
            Assert.Equal(21, appender.DroppedBytes);
            Assert.Equal("{\"image\":\"a.png\",\"prompt\":\"p\",\"samples\":[\"x\"]}\n{\"image\":\"b.png\",\"prompt\":\"p\",\"samples\":[\"y\"]}\n", System.IO.File.ReadAllText(path));
            await appender.AppendAsync([JsonLinesAppender.Line(new { image = "c.png" }), JsonLinesAppender.Line(new { image = "d.png" })]);
        }

        Assert.Equal(["a.png", "b.png", "c.png", "d.png"], JsonLinesAppender.Read(path).Lines.Select(l => l.GetString("image")));
    }

    [Fact]
    public void Resume_adds_the_missing_newline_after_a_complete_last_line()
    {
        var path = File("{\"image\":\"a.png\",\"prompt\":\"p\",\"samples\":[\"x\"]}");
        using (var appender = JsonLinesAppender.Open(path))
        {
            Assert.Single(appender.ExistingLines);
            Assert.False(appender.HadTornLine);
        }

        Assert.EndsWith("}\n", System.IO.File.ReadAllText(path), StringComparison.Ordinal);
    }

    [Fact]
    public void A_bad_line_before_the_end_is_an_error_naming_the_line_and_nothing_is_removed()
    {
        var text = "{\"image\":\"a.png\",\"samples\":[]}\nnot json\n{\"image\":\"b.png\",\"samples\":[]}\n{\"image\":\"c.png\",\"sam";
        var path = File(text);

        var e = Assert.Throws<InvalidDataException>(() => JsonLinesAppender.Open(path));

        Assert.Contains($"{path}, line 2", e.Message, StringComparison.Ordinal);
        Assert.Equal(text, System.IO.File.ReadAllText(path));
    }

    [Fact]
    public void A_new_file_gets_the_header_and_a_refused_file_is_left_as_it_was()
    {
        var header = new JournalHeader { VigorJournal = "test", Settings = new SortedDictionary<string, string> { ["model"] = "a" } };
        var path = Path.Combine(_folder, "sub", "new.jsonl");
        using (var appender = JsonLinesAppender.Open(path, header))
        {
            Assert.Equal("a", appender.Header!.Settings["model"]);
        }

        System.IO.File.AppendAllText(path, "{\"x\":1}\n{\"x\":");
        var before = System.IO.File.ReadAllText(path);
        Assert.Throws<InvalidOperationException>(() => JsonLinesAppender.Open(path, header, found => throw new InvalidOperationException(found!.Settings["model"])));
        Assert.Equal(before, System.IO.File.ReadAllText(path));

        var (found, lines, torn) = JsonLinesAppender.Read(path);
        Assert.Equal(("test", 1, true), (found!.VigorJournal, lines.Count, torn));
        Assert.Equal(2, lines[0].Line);
    }

    [Fact]
    public void A_malformed_header_is_an_error_naming_the_file_and_line()
    {
        var path = File("\n{\"vigor_journal\": \"judgements\", \"settings\": 3}\n{\"x\": 1}\n");

        var e = Assert.Throws<InvalidDataException>(() => JsonLinesAppender.Open(path));

        Assert.Contains($"{path}, line 2: not a valid journal header", e.Message, StringComparison.Ordinal);
    }
}
