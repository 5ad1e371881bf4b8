using System.Diagnostics;
using ViGoR.Core.Tests.Fakes;

namespace ViGoR.Core.Tests.Journal;

public sealed class JournalShardsTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("vigor-shards-").FullName;

    private static readonly Dictionary<string, string[]> Samples = new()
    {
        ["img1"] = ["A dog sits on a bench. A cat sleeps nearby.", "A dog sits on a bench.", "A bus drives by. A dog barks."],
        ["img2"] = ["A car is parked. A person walks by.", "A car and a bus.", "A car."],
        ["img3"] = ["A frisbee flies. A dog jumps.", "A dog jumps.", "A cat."],
        ["img4"] = ["A bench.", "A bench and a cat.", "A bus."],
        ["img5"] = ["A dog.", "A car and a dog.", "A person."],
    };

    private static readonly Dictionary<string, HashSet<string>> Present = new()
    {
        ["img1"] = ["dog", "bench"],
        ["img2"] = ["car"],
        ["img3"] = ["dog", "frisbee"],
        ["img4"] = ["bench"],
        ["img5"] = ["dog", "person"],
    };

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static List<TrainingItem> Items() => Samples.Keys.Select(id => new TrainingItem(ImageInput.FromId(id), "Describe this image in detail.")).ToList();

    private static RejectionSamplingTrainer Trainer(DatasetChunk? chunk = null, RewardCombinerOptions? combiner = null, SelectionOptions? selection = null) => new(
        new FakeVisionLanguageModel(Samples),
        new FakeNounExtractor(),
        new LinearRewardCombiner(combiner),
        new FakeDetector(id => Present[id]),
        null,
        new RejectionSamplingOptions { RewardSources = RewardSources.Automatic, Sampling = new SamplingOptions { NumSamples = 3 }, Chunk = chunk, Selection = selection ?? new SelectionOptions() });

    /// <summary>Each chunk of <paramref name="count"/> scored as its own process would, into <paramref name="work"/>.</summary>
    private static async Task<string[]> ScoreChunksAsync(string work, int count, RewardCombinerOptions? combiner = null, SelectionOptions? selection = null)
    {
        for (var index = 0; index < count; index++)
        {
            await Trainer(new DatasetChunk(index, count), combiner, selection).ScoreChunkAsync(Items(), work);
        }

        return Enumerable.Range(0, count).Select(i => JournalShards.ChunkJournalPath(work, new DatasetChunk(i, count))).ToArray();
    }

    [Fact]
    public void A_chunk_journal_is_named_by_its_index_and_count()
    {
        Assert.Equal("scores.chunk-1-of-3.jsonl", JournalShards.ChunkJournalFileName(new DatasetChunk(1, 3)));
        Assert.Equal(Path.Combine("work", "scores.chunk-0-of-1.jsonl"), JournalShards.ChunkJournalPath("work", new DatasetChunk(0, 1)));
        Assert.Throws<ArgumentOutOfRangeException>(() => JournalShards.ChunkJournalFileName(new DatasetChunk(3, 3)));
        Assert.Throws<ArgumentOutOfRangeException>(() => JournalShards.ChunkJournalFileName(new DatasetChunk(0, 0)));
    }

    [Fact]
    public async Task Chunks_merged_in_any_order_select_byte_for_byte_as_one_unsharded_run()
    {
        var whole = Path.Combine(_folder, "whole");
        await Trainer().GenerateSupervisionAsync(Items(), whole);
        var chunks = await ScoreChunksAsync(Path.Combine(_folder, "array"), 3);

        var merged = JournalShards.Merge([.. chunks.Reverse()], Path.Combine(_folder, "merged"));

        Assert.Equal(Samples.Keys, merged.Scored.Select(r => r.ImageId));
        Assert.Equal(Samples.Keys, merged.Selection.Records.Select(r => r.ImageId));
        Assert.Equal(await File.ReadAllTextAsync(Path.Combine(whole, RejectionSamplingTrainer.SupervisionFileName)), await File.ReadAllTextAsync(merged.SupervisionPath));
        Assert.Equal(Path.Combine(_folder, "merged", RejectionSamplingTrainer.SupervisionFileName), merged.SupervisionPath);
        Assert.Null(SupervisionJournal.ReadAll(merged.ScoresPath).Header!.Chunk);
    }

    public static TheoryData<string> Selections => ["variance", "window", "precomputed"];

    private static (RewardCombinerOptions Combiner, SelectionOptions Selection) Selection(string name) => name switch
    {
        "variance" => (new RewardCombinerOptions { Normalization = RewardNormalization.Variance, Weights = { ["automatic"] = 2.5 }, DefaultWeight = 0.5 }, new SelectionOptions { Order = SelectionOrder.RefineThenSelect }),
        "window" => (new RewardCombinerOptions { Normalization = RewardNormalization.None }, new SelectionOptions { Scope = StatisticsScope.RunningWindow, WindowSize = 4 }),
        _ => (new RewardCombinerOptions(), new SelectionOptions
        {
            Statistics = new RewardStatistics { Streams = new SortedDictionary<string, StreamStatistics>(StringComparer.Ordinal) { ["automatic"] = new(new SignalStatistics(10, 0.4, 0.09), new SignalStatistics(10, 1.5, 0.5)) } },
        }),
    };

    [Theory]
    [MemberData(nameof(Selections))]
    public async Task Chunks_carry_the_selection_their_runs_were_given_and_the_merge_applies_it(string name)
    {
        var (combiner, selection) = Selection(name);
        var whole = Path.Combine(_folder, "whole");
        await Trainer(null, combiner, selection).GenerateSupervisionAsync(Items(), whole);
        var chunks = await ScoreChunksAsync(Path.Combine(_folder, "array"), 2, combiner, selection);

        var merged = JournalShards.Merge(chunks, Path.Combine(_folder, "merged"));

        Assert.Equal(await File.ReadAllTextAsync(Path.Combine(whole, RejectionSamplingTrainer.SupervisionFileName)), await File.ReadAllTextAsync(merged.SupervisionPath));
        Assert.Equal(await File.ReadAllTextAsync(Path.Combine(whole, RejectionSamplingTrainer.ScoresFileName)), await File.ReadAllTextAsync(merged.ScoresPath));
        var defaults = JournalShards.Merge(chunks, Path.Combine(_folder, "defaults"), new LinearRewardCombiner(), new SelectionOptions()); // an explicit selection overrides the recorded one
        Assert.NotEqual(await File.ReadAllTextAsync(merged.SupervisionPath), await File.ReadAllTextAsync(defaults.SupervisionPath));
    }

    [Theory]
    [MemberData(nameof(Selections))]
    public void A_recorded_selection_reads_back_as_it_was_given(string name)
    {
        var (combiner, selection) = Selection(name);
        var header = Trainer(new DatasetChunk(0, 2), combiner, selection).ScoresHeader();

        Assert.True(SelectionSettings.TryRead(header, out var readCombiner, out var readSelection));

        Assert.Equal(SelectionSettings.Of(new LinearRewardCombiner(combiner), selection, fingerprintStatistics: true), SelectionSettings.Of(readCombiner, readSelection, fingerprintStatistics: true));
        Assert.Equal(selection.Statistics is null, readSelection.Statistics is null);
        Assert.False(SelectionSettings.TryRead(Trainer(null, combiner, selection).ScoresHeader(), out _, out _)); // a whole run's scores record none
    }

    [Fact]
    public async Task Chunks_given_different_selections_or_edited_statistics_are_refused()
    {
        var work = Path.Combine(_folder, "array");
        await Trainer(new DatasetChunk(0, 2), new RewardCombinerOptions { Weights = { ["automatic"] = 2 } }).ScoreChunkAsync(Items(), work);
        await Trainer(new DatasetChunk(1, 2), new RewardCombinerOptions { Weights = { ["automatic"] = 3 } }).ScoreChunkAsync(Items(), work);
        string[] chunks = [JournalShards.ChunkJournalPath(work, new DatasetChunk(0, 2)), JournalShards.ChunkJournalPath(work, new DatasetChunk(1, 2))];

        var error = Assert.Throws<JournalSettingsException>(() => JournalShards.Merge(chunks, Path.Combine(_folder, "merged")));
        Assert.Contains("selection.weights", error.Message, StringComparison.Ordinal);

        var (_, precomputed) = Selection("precomputed");
        var header = Trainer(new DatasetChunk(0, 2), null, precomputed).ScoresHeader();
        var edited = header with { Statistics = new RewardStatistics() };
        Assert.Contains("fingerprint", Assert.Throws<InvalidDataException>(() => SelectionSettings.TryRead(edited, out _, out _)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_chunk_scores_only_its_own_items_and_resumes_them()
    {
        var work = Path.Combine(_folder, "array");
        var trainer = Trainer(new DatasetChunk(1, 2));

        var journal = JournalShards.ChunkJournalPath(work, new DatasetChunk(1, 2));

        var first = await trainer.ScoreChunkAsync(Items(), work);
        var written = await File.ReadAllTextAsync(journal);
        var again = await trainer.ScoreChunkAsync(Items(), work);

        // ceil(5 / 2) = 3 per chunk: chunk 1 is img4, img5.
        Assert.Equal(["img4", "img5"], first.Select(r => r.ImageId));
        Assert.Equal(["img4", "img5"], again.Select(r => r.ImageId));
        Assert.Equal(written, await File.ReadAllTextAsync(journal));
        Assert.Equal(new DatasetChunk(1, 2), SupervisionJournal.ReadAll(journal).Header!.Chunk);
        Assert.Throws<ArgumentException>(() => Trainer().ScoreChunkAsync(Items(), work).GetAwaiter().GetResult());
    }

    [Fact]
    public async Task Missing_repeated_and_mixed_chunks_are_refused_and_nothing_is_written()
    {
        var chunks = await ScoreChunksAsync(Path.Combine(_folder, "array"), 3);
        var other = await ScoreChunksAsync(Path.Combine(_folder, "other"), 2);
        var whole = Path.Combine(_folder, "whole");
        await Trainer().GenerateSupervisionAsync(Items(), whole);
        var output = Path.Combine(_folder, "merged");

        var missing = Assert.Throws<InvalidDataException>(() => JournalShards.Merge([chunks[0], chunks[2]], output));
        var repeated = Assert.Throws<InvalidDataException>(() => JournalShards.Merge([chunks[0], chunks[1], chunks[1], chunks[2]], output));
        var counts = Assert.Throws<InvalidDataException>(() => JournalShards.Merge([chunks[0], chunks[1], chunks[2], other[0]], output));
        var mixed = Assert.Throws<InvalidDataException>(() => JournalShards.Merge([.. chunks, Path.Combine(whole, RejectionSamplingTrainer.ScoresFileName)], output));

        Assert.Contains("chunk 1 of 0..2 is missing", missing.Message, StringComparison.Ordinal);
        Assert.Contains("chunk 1 is in", repeated.Message, StringComparison.Ordinal);
        Assert.Contains("different chunk counts", counts.Message, StringComparison.Ordinal);
        Assert.Contains("is not a chunk journal", mixed.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(output, "*.jsonl"));
    }

    [Fact]
    public async Task A_chunk_that_another_process_still_writes_is_refused_before_anything_is_made()
    {
        if (!OperatingSystem.IsLinux() || !File.Exists("/usr/bin/flock"))
        {
            return; // needs flock(1) to hold the lock from another process, as a running chunk would
        }

        var chunks = await ScoreChunksAsync(Path.Combine(_folder, "array"), 2);
        using var holder = Process.Start(new ProcessStartInfo("/usr/bin/flock", [chunks[1] + WorkFolderLock.FileLockSuffix, "sleep", "60"]))!;
        try
        {
            WaitUntilHeld(chunks[1]);
            var output = Path.Combine(_folder, "merged");

            var error = Assert.Throws<WorkFolderLockedException>(() => JournalShards.Merge(chunks, output));

            Assert.Contains(Path.GetFullPath(chunks[1]), error.Message, StringComparison.Ordinal);
            Assert.False(Directory.Exists(output));
        }
        finally
        {
            holder.Kill();
            holder.WaitForExit();
        }
    }

    private static void WaitUntilHeld(string path)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                WorkFolderLock.ThrowIfFileHeld(path);
            }
            catch (WorkFolderLockedException)
            {
                return;
            }

            Thread.Sleep(20);
        }

        throw new TimeoutException($"flock did not take {path}'s lock.");
    }

    [Fact]
    public async Task Restart_removes_one_chunks_journal_or_every_round_folder_and_nothing_else()
    {
        var work = Path.Combine(_folder, "work");
        var chunks = await ScoreChunksAsync(work, 2);
        await Trainer().GenerateSupervisionAsync(Items(), Path.Combine(work, "round-0"));
        Directory.CreateDirectory(Path.Combine(work, "round-1"));
        var kept = Path.Combine(work, "data.jsonl");
        await File.WriteAllTextAsync(kept, "{}\n");

        JournalShards.Restart(work, new DatasetChunk(0, 2));

        Assert.False(File.Exists(chunks[0]));
        Assert.True(File.Exists(chunks[1]));
        Assert.True(Directory.Exists(Path.Combine(work, "round-0")));

        JournalShards.Restart(work);

        Assert.Empty(Directory.GetDirectories(work, "round-*"));
        Assert.True(File.Exists(chunks[1]));
        Assert.True(File.Exists(kept));
    }
}
