namespace ViGoR.Core.Tests.Journal;

public sealed class JournalTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("vigor-journal-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static SupervisionRecord Record(string id, int round = 0) => new()
    {
        ImageId = id,
        Prompt = "Describe.",
        Round = round,
        Status = SupervisionStatus.Ok,
        Target = $"Target of {id}.",
        Chosen = 0,
        Samples = [new SampleRecord { Index = 0, Text = $"Target of {id}.", CombinedPenalty = 0.1 + 0.2, Rank = 0 }],
    };

    [Fact]
    public void Content_identities_agree_wherever_the_file_is_and_differ_when_its_content_does()
    {
        var here = Path.Combine(_folder, "a", "samples.jsonl");
        var there = Path.Combine(_folder, "b", "samples.jsonl");
        Directory.CreateDirectory(Path.GetDirectoryName(here)!);
        Directory.CreateDirectory(Path.GetDirectoryName(there)!);
        File.WriteAllText(here, "{}\n");
        File.Copy(here, there);
        JournalHeader Header(string path) => new()
        {
            VigorJournal = JournalHeader.ScoresKind,
            Settings = new Dictionary<string, string> { ["model"] = ComponentIdentity.ForPath("recorded-samples", path), ["streams"] = $"rm({ComponentIdentity.ForPath("recorded-judgements", path)});at" },
        };

        // A work folder copied elsewhere with its inputs resumes.
        Assert.Empty(Header(here).Differences(Header(there)));

        File.WriteAllText(there, "{\"x\": 1}\n");
        var differences = Header(here).Differences(Header(there));
        Assert.Equal(2, differences.Count);
        Assert.StartsWith("model: recorded-samples:", differences[0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Records_round_trip_with_snake_case_names()
    {
        var path = Path.Combine(_folder, "j.jsonl");
        await using (var journal = SupervisionJournal.Open(path))
        {
            await journal.AppendAsync(Record("a"));
        }

        var line = Assert.Single(File.ReadAllLines(path));
        Assert.Contains("\"image_id\":\"a\"", line);
        Assert.Contains("\"status\":\"ok\"", line);
        var back = Assert.Single(SupervisionJournal.Read(path));
        Assert.Equal("Target of a.", back.Target);
        Assert.Equal(0.1 + 0.2, back.Samples[0].CombinedPenalty);
    }

    [Fact]
    public async Task A_torn_last_line_is_ignored_on_read_and_cut_on_open()
    {
        var path = Path.Combine(_folder, "j.jsonl");
        await using (var journal = SupervisionJournal.Open(path))
        {
            await journal.AppendAsync(Record("a"));
            await journal.AppendAsync(Record("b"));
        }

        await File.AppendAllTextAsync(path, "{\"image_id\":\"c\",\"pro");
        Assert.Equal(["a", "b"], SupervisionJournal.Read(path).Select(r => r.ImageId));

        await using (var journal = SupervisionJournal.Open(path))
        {
            Assert.True(journal.HadTornLine);
            Assert.Equal(2, journal.ExistingRecords.Count);
            await journal.AppendAsync(Record("c"));
        }

        Assert.Equal(["a", "b", "c"], SupervisionJournal.Read(path).Select(r => r.ImageId));
        Assert.Equal(3, File.ReadAllLines(path).Length);
    }

    [Fact]
    public async Task A_corrupt_complete_line_is_an_error_naming_the_line()
    {
        var path = Path.Combine(_folder, "j.jsonl");
        await File.WriteAllTextAsync(path, "{\"image_id\":\"a\",\"prompt\":\"p\",\"status\":\"ok\"}\nnot json\n");

        var error = Assert.Throws<InvalidDataException>(() => SupervisionJournal.Read(path));

        Assert.Contains("line 2", error.Message);
        Assert.Contains(path, error.Message);
    }

    [Fact]
    public async Task Merge_joins_shards_in_order_and_refuses_overlap_or_unfinished_shards()
    {
        var shards = new[] { "s0.jsonl", "s1.jsonl" }.Select(n => Path.Combine(_folder, n)).ToArray();
        await using (var j0 = SupervisionJournal.Open(shards[0]))
        {
            await j0.AppendAsync(Record("a"));
            await j0.AppendAsync(Record("b"));
        }

        await using (var j1 = SupervisionJournal.Open(shards[1]))
        {
            await j1.AppendAsync(Record("c"));
        }

        var merged = Path.Combine(_folder, "merged.jsonl");
        Assert.Equal(3, SupervisionJournal.Merge(shards, merged).Records.Count);
        Assert.Equal(["a", "b", "c"], SupervisionJournal.Read(merged).Select(r => r.ImageId));

        var overlap = Assert.Throws<InvalidDataException>(() => SupervisionJournal.Merge([shards[0], shards[0]], merged));
        Assert.Contains("overlap", overlap.Message);

        await File.AppendAllTextAsync(shards[1], "{\"ima");
        var unfinished = Assert.Throws<InvalidDataException>(() => SupervisionJournal.Merge(shards, merged));
        Assert.Contains("s1.jsonl", unfinished.Message);
    }

    [Fact]
    public async Task A_header_is_written_once_checked_on_open_and_merged_only_when_equal()
    {
        JournalHeader Header(string k) => new() { VigorJournal = JournalHeader.ScoresKind, Settings = new SortedDictionary<string, string> { ["k"] = k } };
        var a = Path.Combine(_folder, "a.jsonl");
        var b = Path.Combine(_folder, "b.jsonl");
        await using (var journal = SupervisionJournal.Open(a, Header("5")))
        {
            await journal.AppendAsync(Record("x"));
        }

        await using (var journal = SupervisionJournal.Open(a, Header("5")))
        {
            Assert.Equal("x", Assert.Single(journal.ExistingRecords).ImageId);
            await journal.AppendAsync(Record("y"));
        }

        await using (var journal = SupervisionJournal.Open(b, Header("4")))
        {
            await journal.AppendAsync(Record("z"));
        }

        var lines = File.ReadAllLines(a);
        Assert.Equal(3, lines.Length);
        Assert.StartsWith("{\"vigor_journal\":\"scores\"", lines[0]);
        Assert.Equal("5", SupervisionJournal.ReadAll(a).Header!.Settings["k"]);
        var reopened = Assert.Throws<JournalSettingsException>(() => SupervisionJournal.Open(a, Header("4")));
        Assert.Equal(["k: 5 in the journal, 4 now"], reopened.Differences);
        var merge = Assert.Throws<JournalSettingsException>(() => SupervisionJournal.Merge([a, b], Path.Combine(_folder, "m.jsonl")));
        Assert.Contains("k: 5 in", merge.Message);
        Assert.Equal(3, File.ReadAllLines(a).Length); // a refused open changes nothing
    }
}
