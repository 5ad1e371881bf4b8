using Spectre.Console.Cli;
using ViGoR.Cli.Commands;

namespace ViGoR.Cli.Tests;

public sealed class RunCommandTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("vigor-cli-run-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static Task<int> RunAsync(params string[] args)
    {
        var app = new CommandApp();
        app.Configure(config =>
        {
            config.PropagateExceptions();
            config.AddCommand<RunCommand>("run");
            config.AddCommand<MergeCommand>("merge");
        });
        return app.RunAsync(args);
    }

    [Fact]
    public async Task Run_on_recorded_COCO_captions_drops_what_the_boxes_lack()
    {
        var exit = await RecordedCoco.RunAsync(RunAsync, _folder);

        Assert.Equal(0, exit);
        var records = SupervisionJournal.Read(Path.Combine(_folder, "round-0", "supervision.jsonl"));
        Assert.Equal(["000000081552.jpg", "000000165257.jpg", "000000457882.jpg"], records.Select(r => r.ImageId));
        Assert.All(records, r => Assert.Equal(5, r.Samples.Count));
        Assert.Contains(records, r => r.Status == SupervisionStatus.Ok);

        // Every dropped sentence names a COCO object that the image's ground-truth boxes lack.
        var categories = File.ReadLines(Path.Combine(_folder, "demo_boxes.jsonl"))
            .Select(line => System.Text.Json.JsonDocument.Parse(line).RootElement)
            .ToDictionary(
                e => e.GetProperty("image").GetString()!,
                e => e.GetProperty("instances").EnumerateArray().Select(i => i.GetProperty("category").GetString()!).ToHashSet());
        AssertDropsNameMissingObjects(records, categories);

        // The chosen sample has the least combined penalty of the five.
        foreach (var record in records.Where(r => r.Chosen is not null))
        {
            var chosen = record.Samples[record.Chosen!.Value];
            Assert.All(record.Samples.Where(s => s.Rank >= 0), s => Assert.True(chosen.CombinedPenalty <= s.CombinedPenalty + 1e-12));
        }

        // The real captions drop nothing against their boxes; one made-up giraffe must be dropped.
        var giraffe = Path.Combine(_folder, "giraffe.jsonl");
        await File.WriteAllTextAsync(giraffe, """{"image": "000000081552.jpg", "prompt": "Describe.", "samples": ["A cat sleeps on a couch. A giraffe stands beside the couch.", "A giraffe.", "A giraffe and a cat.", "A cat and a giraffe.", "A giraffe sleeps."]}""" + "\n");
        Assert.Equal(0, await RunAsync("run", "--samples", giraffe, "--annotations", Path.Combine(_folder, "demo_boxes.jsonl"), "--work", Path.Combine(_folder, "giraffe")));
        var refined = Assert.Single(SupervisionJournal.Read(Path.Combine(_folder, "giraffe", "round-0", "supervision.jsonl")));
        Assert.Equal("A cat sleeps on a couch.", refined.Target);
        Assert.Equal(["giraffe"], Assert.Single(refined.Dropped).MissingObjects);
        AssertDropsNameMissingObjects([refined], categories);
    }

    private static void AssertDropsNameMissingObjects(IReadOnlyList<SupervisionRecord> records, Dictionary<string, HashSet<string>> categories)
    {
        foreach (var record in records)
        {
            foreach (var missing in record.Dropped.SelectMany(d => d.MissingObjects))
            {
                Assert.True(ViGoR.Evaluation.CocoVocabulary.Default.TryGetCategory(missing, out var category), $"'{missing}' is not a COCO word");
                Assert.DoesNotContain(category, categories[record.ImageId]);
            }
        }
    }

    [Fact]
    public async Task Chunks_merged_select_exactly_as_one_unsharded_run_with_two_streams()
    {
        var demo = Path.Combine(_folder, "demo");
        await RecordedCoco.RunAsync(RunAsync, demo);
        var samples = Path.Combine(demo, "demo_samples.jsonl");
        var boxes = Path.Combine(demo, "demo_boxes.jsonl");
        var judgements = Path.Combine(_folder, "judgements.jsonl");
        await File.WriteAllLinesAsync(judgements, await JudgementsAsync(samples));
        string[] streams = ["--samples", samples, "--annotations", boxes, "--judgements", judgements];

        Assert.Equal(0, await RunAsync(["run", .. streams, "--work", Path.Combine(_folder, "whole")]));
        for (var chunk = 0; chunk < 2; chunk++)
        {
            Assert.Equal(0, await RunAsync(["run", .. streams, "--work", _folder, "--num-chunks", "2", "--chunk-idx", chunk.ToString(System.Globalization.CultureInfo.InvariantCulture)]));
        }

        var shards = new[] { 0, 1 }.Select(i => Path.Combine(_folder, $"scores.chunk-{i}-of-2.jsonl")).ToArray();
        Assert.Equal(2, SupervisionJournal.Read(shards[0]).Count);
        Assert.Single(SupervisionJournal.Read(shards[1]));
        Assert.All(SupervisionJournal.Read(shards[0]), r => Assert.Equal(SupervisionStatus.Scored, r.Status));

        var merged = Path.Combine(_folder, "merged");
        Assert.Equal(0, await RunAsync(["merge", "--out", merged, .. shards]));
        var whole = Path.Combine(_folder, "whole", "round-0");
        Assert.Equal(await File.ReadAllTextAsync(Path.Combine(whole, "supervision.jsonl")), await File.ReadAllTextAsync(Path.Combine(merged, "supervision.jsonl")));
        var (header, records) = SupervisionJournal.ReadAll(Path.Combine(merged, "supervision.jsonl"));
        Assert.Equal(["000000081552.jpg", "000000165257.jpg", "000000457882.jpg"], records.Select(r => r.ImageId));
        Assert.Equal(["automatic", "reward_model"], header!.Statistics!.Streams.Keys);
        Assert.Contains(records.SelectMany(r => r.Samples).SelectMany(s => s.Sentences), s => s.Signals.ContainsKey("reward_model"));

        // The merged scores journal is the unsharded one too: the selection the chunks carried is not left in it.
        Assert.Equal(await File.ReadAllTextAsync(Path.Combine(whole, "scores.jsonl")), await File.ReadAllTextAsync(Path.Combine(merged, "scores.jsonl")));
    }

    [Fact]
    public async Task A_job_arrays_selection_flags_go_on_its_run_line_and_the_merge_applies_them()
    {
        var demo = Path.Combine(_folder, "demo");
        await RecordedCoco.RunAsync(RunAsync, demo);
        var judgements = Path.Combine(_folder, "judgements.jsonl");
        await File.WriteAllLinesAsync(judgements, await JudgementsAsync(RecordedCoco.Samples(demo)));
        string[] streams = ["--samples", RecordedCoco.Samples(demo), "--annotations", Path.Combine(demo, "demo_boxes.jsonl"), "--judgements", judgements];
        string[] selection = ["--weight", "reward_model=3", "--normalization", "variance", "--selection-order", "refine-then-select"];
        async Task<string[]> ChunksAsync(string work, params string[][] flags)
        {
            for (var chunk = 0; chunk < 2; chunk++)
            {
                Assert.Equal(0, await RunAsync(["run", .. streams, .. flags[chunk], "--work", work, "--num-chunks", "2", "--chunk-idx", chunk.ToString(System.Globalization.CultureInfo.InvariantCulture)]));
            }

            return [Path.Combine(work, "scores.chunk-0-of-2.jsonl"), Path.Combine(work, "scores.chunk-1-of-2.jsonl")];
        }

        string Text(string folder) => File.ReadAllText(Path.Combine(folder, "supervision.jsonl"));
        Assert.Equal(0, await RunAsync(["run", .. streams, .. selection, "--work", Path.Combine(_folder, "whole")]));
        Assert.Equal(0, await RunAsync(["run", .. streams, "--work", Path.Combine(_folder, "plain")]));
        Assert.Equal(0, await RunAsync(["merge", "--out", Path.Combine(_folder, "merged"), .. await ChunksAsync(Path.Combine(_folder, "chunks"), selection, selection)]));

        var header = SupervisionJournal.ReadAll(Path.Combine(_folder, "merged", "supervision.jsonl")).Header!;
        Assert.Equal(("refine_then_select", "variance", "reward_model=3,default=1"), (header.Settings["selection.order"], header.Settings["selection.normalization"], header.Settings["selection.weights"]));
        Assert.Equal(Text(Path.Combine(_folder, "whole", "round-0")), Text(Path.Combine(_folder, "merged")));
        Assert.NotEqual(Text(Path.Combine(_folder, "plain", "round-0")), Text(Path.Combine(_folder, "merged"))); // the flags changed the selection: the comparison above can fail

        // Chunks of one array given different weights do not merge: the difference is named.
        var mixed = await ChunksAsync(Path.Combine(_folder, "mixed"), ["--weight", "reward_model=3"], ["--weight", "reward_model=2"]);
        var error = await Assert.ThrowsAsync<JournalSettingsException>(() => RunAsync(["merge", "--out", Path.Combine(_folder, "mixed-out"), .. mixed]));
        Assert.Contains("selection.weights", error.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_folder, "mixed-out", "supervision.jsonl")));
    }

    [Fact]
    public async Task Precomputed_statistics_from_another_run_are_used_as_given()
    {
        var demo = Path.Combine(_folder, "demo");
        Assert.Equal(0, await RecordedCoco.RunAsync(RunAsync, demo));
        var first = Path.Combine(demo, "round-0", "supervision.jsonl");
        var given = SupervisionJournal.ReadAll(first).Header!.Statistics!;

        var giraffe = Path.Combine(_folder, "giraffe.jsonl");
        await File.WriteAllTextAsync(giraffe, """{"image": "000000081552.jpg", "prompt": "Describe.", "samples": ["A cat sleeps on a couch. A giraffe stands beside the couch.", "A giraffe.", "A giraffe and a cat.", "A cat and a giraffe.", "A giraffe sleeps."]}""" + "\n");
        Assert.Equal(0, await RunAsync("run", "--samples", giraffe, "--annotations", Path.Combine(demo, "demo_boxes.jsonl"), "--work", Path.Combine(_folder, "other"), "--statistics", first));

        var header = SupervisionJournal.ReadAll(Path.Combine(_folder, "other", "round-0", "supervision.jsonl")).Header!;
        Assert.Equal("precomputed", header.Settings["selection.statistics"]);
        Assert.Equal(given.Streams[RewardStreams.Automatic], header.Statistics!.Streams[RewardStreams.Automatic]);
    }

    [Fact]
    public async Task Resuming_with_other_settings_is_refused_until_restart()
    {
        var demo = Path.Combine(_folder, "demo");
        Assert.Equal(0, await RecordedCoco.RunAsync(RunAsync, demo));

        var error = await Assert.ThrowsAsync<JournalSettingsException>(() => RecordedCoco.RunAsync(RunAsync, demo, "--check-counts"));
        Assert.Contains("automatic.check_counts: false in the journal, true now", error.Message);

        var samples = Path.Combine(demo, "demo_samples.jsonl");
        var boxes = Path.Combine(demo, "demo_boxes.jsonl");
        var k = await Assert.ThrowsAsync<JournalSettingsException>(() => RunAsync("run", "--samples", samples, "--annotations", boxes, "--work", demo, "-k", "2"));
        Assert.Contains("sampling.num_samples: 5 in the journal, 2 now", k.Message);
        Assert.DoesNotContain("--restart", k.Message, StringComparison.Ordinal); // the library's words; the tool adds its flags

        // The tool says which of its flags start afresh.
        var shown = await VigorProcess.RunAsync(["run", "--samples", samples, "--annotations", boxes, "--work", demo, "-k", "2"]);
        Assert.Equal(1, shown.ExitCode);
        Assert.Contains("(vigor: --restart, or another --work)", shown.Output.ReplaceLineEndings(" ").Replace("  ", " ", StringComparison.Ordinal), StringComparison.Ordinal);

        Assert.Equal(0, await RunAsync("run", "--samples", samples, "--annotations", boxes, "--work", demo, "-k", "2", "--restart"));
        Assert.All(SupervisionJournal.Read(Path.Combine(demo, "round-0", "supervision.jsonl")), r => Assert.Equal(2, r.Samples.Count));
    }

    [Fact]
    public async Task A_sentence_without_a_recorded_judgement_is_an_error_naming_it_or_neutral_on_request()
    {
        var demo = Path.Combine(_folder, "demo");
        await RecordedCoco.RunAsync(RunAsync, demo);
        var samples = Path.Combine(demo, "demo_samples.jsonl");
        var judgements = Path.Combine(_folder, "judgements.jsonl");
        await File.WriteAllLinesAsync(judgements, (await JudgementsAsync(samples)).Skip(1));

        var error = await Assert.ThrowsAsync<KeyNotFoundException>(() => RunAsync("run", "--samples", samples, "--judgements", judgements, "--sources", "reward-model", "--work", Path.Combine(_folder, "strict")));
        Assert.Contains("000000081552.jpg", error.Message);
        Assert.Contains("sentence \"", error.Message);

        Assert.Equal(0, await RunAsync("run", "--samples", samples, "--judgements", judgements, "--sources", "reward-model", "--missing-judgement", "neutral", "--work", Path.Combine(_folder, "lenient")));
    }

    /// <summary>Each input a run replays is known by its content: edited in place, the rerun of the same command is refused, naming it.</summary>
    [Theory]
    [InlineData("samples")]
    [InlineData("annotations")]
    [InlineData("judgements")]
    public async Task A_resume_with_a_replayed_input_edited_in_place_is_refused_naming_it(string edited)
    {
        var demo = Path.Combine(_folder, "demo");
        await RecordedCoco.RunAsync(RunAsync, demo);
        var judgements = Path.Combine(_folder, "judgements.jsonl");
        await File.WriteAllLinesAsync(judgements, await JudgementsAsync(RecordedCoco.Samples(demo)));
        var work = Path.Combine(_folder, "work");
        string[] run = ["run", "--samples", RecordedCoco.Samples(demo), "--annotations", RecordedCoco.Boxes(demo), "--judgements", judgements, "--work", work, "--supervision-only"];
        Assert.Equal(0, await RunAsync(run));
        var scores = await File.ReadAllTextAsync(Path.Combine(work, "round-0", "scores.jsonl"));
        Assert.Equal(0, await RunAsync(run)); // unchanged inputs resume

        // The same path, other content (a space that changes no value: only the content identity can see it).
        var path = edited switch { "samples" => RecordedCoco.Samples(demo), "annotations" => RecordedCoco.Boxes(demo), _ => judgements };
        var lines = await File.ReadAllLinesAsync(path);
        lines[^1] += " ";
        await File.WriteAllLinesAsync(path, lines);

        var error = await Assert.ThrowsAsync<JournalSettingsException>(() => RunAsync(run));
        Assert.Contains(Path.GetFullPath(path), error.Message, StringComparison.Ordinal);
        Assert.Equal(scores, await File.ReadAllTextAsync(Path.Combine(work, "round-0", "scores.jsonl")));
    }

    [Fact]
    public async Task The_reward_signal_is_the_judged_label_unless_the_expectation_is_asked_for()
    {
        var demo = Path.Combine(_folder, "demo");
        await RecordedCoco.RunAsync(RunAsync, demo);
        var judgements = Path.Combine(_folder, "judgements.jsonl");
        await File.WriteAllLinesAsync(judgements, await JudgementsAsync(RecordedCoco.Samples(demo)));
        string[] run = ["run", "--samples", RecordedCoco.Samples(demo), "--judgements", judgements, "--sources", "reward-model"];
        string Signal(string work) => SupervisionJournal.ReadAll(Path.Combine(work, "round-0", "scores.jsonl")).Header!.Settings["reward_model.signal"];

        Assert.Equal(0, await RunAsync([.. run, "--work", Path.Combine(_folder, "label")]));
        Assert.Equal(0, await RunAsync([.. run, "--work", Path.Combine(_folder, "expected"), "--reward-signal", "expected"]));

        Assert.Equal("label", Signal(Path.Combine(_folder, "label")));
        Assert.Equal("expected", Signal(Path.Combine(_folder, "expected")));
        var error = await Assert.ThrowsAsync<ArgumentException>(() => RunAsync([.. run, "--work", Path.Combine(_folder, "bad"), "--reward-signal", "mean"]));
        Assert.Contains("--reward-signal", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_and_merge_select_in_the_papers_order_unless_asked_to_refine_first()
    {
        var demo = Path.Combine(_folder, "demo");
        Assert.Equal(0, await RecordedCoco.RunAsync(RunAsync, demo, "--selection-order", "refine-then-select"));
        var scores = Path.Combine(demo, "round-0", "scores.jsonl");
        // A whole run's scores journal records no selection (a rerun may choose another): merged, it gets the paper's.
        Assert.Equal(0, await RunAsync("merge", "--out", Path.Combine(_folder, "paper"), scores));
        string Supervision(string folder) => Path.Combine(folder, "supervision.jsonl");
        string Order(string folder) => SupervisionJournal.ReadAll(Supervision(folder)).Header!.Settings["selection.order"];

        Assert.Equal("refine_then_select", Order(Path.Combine(demo, "round-0")));
        Assert.Equal("select_then_refine", Order(Path.Combine(_folder, "paper")));
        Assert.NotEqual(await File.ReadAllTextAsync(Supervision(Path.Combine(demo, "round-0"))), await File.ReadAllTextAsync(Supervision(Path.Combine(_folder, "paper"))));
    }

    /// <summary>Judgements for every sentence of the recorded samples, as WordNet's splitter cuts them: sentences naming a couch are hallucinations.</summary>
    private static async Task<List<string>> JudgementsAsync(string samplesFile)
    {
        var extractor = new ViGoR.Nlp.WordNetNounExtractor();
        var lines = new List<string>();
        foreach (var line in await File.ReadAllLinesAsync(samplesFile))
        {
            var element = System.Text.Json.JsonDocument.Parse(line).RootElement;
            var image = element.GetProperty("image").GetString()!;
            foreach (var sample in element.GetProperty("samples").EnumerateArray())
            {
                foreach (var sentence in extractor.Extract(sample.GetString()!).Sentences)
                {
                    var bad = sentence.Text.Contains("couch", StringComparison.OrdinalIgnoreCase);
                    lines.Add(System.Text.Json.JsonSerializer.Serialize(new { image, sentence = sentence.Text, score = bad ? -1 : sentence.Text.Length % 3, error = bad ? "object_hallucination" : null }));
                }
            }
        }

        return lines.Distinct().ToList();
    }

    [Fact]
    public async Task Run_refuses_contradictory_flags_with_a_clear_message()
    {
        var error = await Assert.ThrowsAnyAsync<Exception>(() => RunAsync("run", "--work", _folder));

        Assert.Contains("--model", error.Message);
    }
}
