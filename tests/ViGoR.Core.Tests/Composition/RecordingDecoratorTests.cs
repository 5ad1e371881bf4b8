using ViGoR.Core.Tests.Fakes;

namespace ViGoR.Core.Tests.Composition;

/// <summary>The recording decorators: what they write is what the replaying models read, and a rerun replays instead of asking again.</summary>
public sealed class RecordingDecoratorTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("vigor-recording-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static async Task<ParsedText> Parse(string text) => await new FakeNounExtractor().ExtractAsync(text);

    private static FakeVisionLanguageModel Lvlm() => new((image, options) => Enumerable.Range(0, options.NumSamples).Select(i => $"A dog {i} at {image.Id} seed {options.Seed}.").ToList());

    [Fact]
    public async Task Sampled_descriptions_are_written_in_the_replay_format_and_a_rerun_samples_only_the_new_images()
    {
        var path = Path.Combine(_folder, "samples.jsonl");
        var options = new SamplingOptions { NumSamples = 2 };
        var inner = Lvlm();
        IReadOnlyList<IReadOnlyList<string>> first;
        using (var recording = new RecordingVisionLanguageModel(inner, path))
        {
            first = await recording.SampleBatchAsync([new(ImageInput.FromId("a.png"), "Describe.", 7), new(ImageInput.FromId("b.png"), "Say.", 8)], options);
            Assert.Equal(2, inner.SampleCalls);
            Assert.Equal([7, 8], inner.Seeds); // each request's own seed reaches the model
        }

        var replayed = RecordedVisionLanguageModel.Load(path);
        Assert.Equal(first[1], await replayed.SampleAsync(ImageInput.FromId("b.png"), "Say.", options));
        Assert.Equal("""{"image":"a.png","prompt":"Describe.","samples":["A dog 0 at a.png seed 7.","A dog 1 at a.png seed 7."]}""", File.ReadLines(path).First());

        var again = Lvlm();
        using (var recording = new RecordingVisionLanguageModel(again, path))
        {
            var second = await recording.SampleBatchAsync([new(ImageInput.FromId("b.png"), "Say.", 99), new(ImageInput.FromId("c.png"), "Say.", 9)], options);
            Assert.Equal(first[1], second[0]);
            Assert.Equal(1, again.SampleCalls);
            Assert.Equal(["a.png", "b.png", "c.png"], recording.RecordedImageIds.Order(StringComparer.Ordinal));
            await Assert.ThrowsAsync<InvalidOperationException>(() => recording.SampleAsync(ImageInput.FromId("a.png"), "Describe.", new SamplingOptions { NumSamples = 3 }));
        }

        Assert.Equal(3, File.ReadAllLines(path).Length);
    }

    [Fact]
    public async Task A_torn_sample_line_is_sampled_again_and_the_file_ends_as_an_uninterrupted_run_leaves_it()
    {
        var path = Path.Combine(_folder, "samples.jsonl");
        var requests = new SampleRequest[] { new(ImageInput.FromId("a.png"), "Describe.", 1), new(ImageInput.FromId("b.png"), "Describe.", 2) };
        using (var recording = new RecordingVisionLanguageModel(Lvlm(), path))
        {
            await recording.SampleBatchAsync(requests);
        }

        var complete = await File.ReadAllTextAsync(path);
        await File.WriteAllTextAsync(path, complete[..(complete.IndexOf('\n', StringComparison.Ordinal) + 10)]);
        var inner = Lvlm();
        using (var recording = new RecordingVisionLanguageModel(inner, path))
        {
            Assert.True(recording.HadTornLine);
            await recording.SampleBatchAsync(requests);
        }

        Assert.Equal(1, inner.SampleCalls);
        Assert.Equal(complete, await File.ReadAllTextAsync(path));
    }

    [Fact]
    public async Task Judgements_are_written_in_the_replay_format_with_a_header_and_a_rerun_judges_only_new_sentences()
    {
        var path = Path.Combine(_folder, "judgements.jsonl");
        var inner = new FakeRewardModel(text => text.Contains("cat", StringComparison.Ordinal) ? -1 : 1) { LabelScore = text => text.Contains("cat", StringComparison.Ordinal) ? -1 : null };
        var settings = new Dictionary<string, string> { ["samples"] = "s1" };
        var image = ImageInput.FromId("img");
        var description = await Parse("A dog sits. A cat sleeps. A dog sits.");
        IReadOnlyList<SentenceJudgement> judged;
        using (var recording = new RecordingSentenceRewardModel(inner, path, settings))
        {
            judged = await recording.JudgeAsync(image, "Describe.", description);
            Assert.Equal(1, inner.Calls);
            Assert.Equal(judged, await recording.JudgeAsync(image, "Describe.", description));
            Assert.Equal(1, inner.Calls); // replayed
        }

        var lines = File.ReadAllLines(path);
        Assert.StartsWith("""{"vigor_journal":"judgements",""", lines[0], StringComparison.Ordinal);
        Assert.Contains($"\"reward_model\":\"{ComponentIdentity.Of(inner)}\"", lines[0], StringComparison.Ordinal);
        Assert.Equal(["""{"image":"img","sentence":"A dog sits.","score":1,"error":null,"label_score":null}""", """{"image":"img","sentence":"A cat sleeps.","score":-1,"error":"object_hallucination","label_score":-1}"""], lines[1..]);
        Assert.Equal(judged, await RecordedSentenceRewardModel.Load(path).JudgeAsync(image, "Describe.", description));

        var again = new FakeRewardModel(_ => 5);
        using (var recording = new RecordingSentenceRewardModel(again, path, settings))
        {
            var both = await recording.JudgeBatchAsync([new(image, "Describe.", description), new(image, "Describe.", await Parse("A cat sleeps. A bird sings."))]);
            Assert.Equal(judged, both[0]);
            Assert.Equal([-1, 5], both[1].Select(j => j.Score)); // the recorded sentence replays, the new one is judged
            Assert.Equal(1, again.Calls);
            Assert.Equal(3, recording.Count);
        }
    }

    [Fact]
    public async Task A_judgements_file_of_other_settings_or_without_a_header_is_refused_and_left_as_it_was()
    {
        var path = Path.Combine(_folder, "judgements.jsonl");
        var inner = new FakeRewardModel(_ => 1);
        using (var recording = new RecordingSentenceRewardModel(inner, path, new Dictionary<string, string> { ["samples"] = "s1" }))
        {
            await recording.JudgeAsync(ImageInput.FromId("img"), "Describe.", await Parse("A dog sits."));
        }

        var before = await File.ReadAllTextAsync(path);
        var other = Assert.Throws<JournalSettingsException>(() => new RecordingSentenceRewardModel(inner, path, new Dictionary<string, string> { ["samples"] = "s2" }));
        Assert.Contains("samples: s1 in the journal, s2 now", other.Message, StringComparison.Ordinal);
        Assert.Equal(before, await File.ReadAllTextAsync(path));

        await File.WriteAllLinesAsync(path, File.ReadLines(path).Skip(1).ToList());
        var headerless = Assert.Throws<InvalidDataException>(() => new RecordingSentenceRewardModel(inner, path));
        Assert.Contains("no header", headerless.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("--", headerless.Message, StringComparison.Ordinal); // a library error names no CLI flag
    }

    [Fact]
    public async Task The_recorders_keep_batching_and_the_inner_identity()
    {
        var inner = new BatchOnly();
        using (var judge = new RecordingSentenceRewardModel(inner, Path.Combine(_folder, "x.jsonl")))
        {
            Assert.Same(judge, judge.GetService<IBatchSentenceRewardModel>());
            Assert.Equal(ComponentIdentity.Of(inner), ComponentIdentity.Of(judge));
            var image = ImageInput.FromId("img");
            await judge.JudgeBatchAsync([new(image, "p", await Parse("A dog sits.")), new(image, "p", await Parse("A cat sleeps."))]);
            Assert.Equal(1, inner.BatchCalls); // one batch for both, never JudgeAsync
        }

        using (var plain = new RecordingSentenceRewardModel(new FakeRewardModel(_ => 1), Path.Combine(_folder, "z.jsonl")))
        {
            Assert.Null(plain.GetService<IBatchSentenceRewardModel>());
        }

        var lvlm = Lvlm();
        using var recording = new RecordingVisionLanguageModel(lvlm, Path.Combine(_folder, "y.jsonl"));
        Assert.Equal(ComponentIdentity.Of(lvlm), ComponentIdentity.Of(recording));
    }

    private sealed class BatchOnly : IBatchSentenceRewardModel
    {
        public int BatchCalls { get; private set; }

        public Task<IReadOnlyList<SentenceJudgement>> JudgeAsync(ImageInput image, string prompt, ParsedText description, CancellationToken cancellationToken = default) =>
            throw new InvalidOperationException("JudgeAsync called: the recorder did not batch.");

        public Task<IReadOnlyList<IReadOnlyList<SentenceJudgement>>> JudgeBatchAsync(IReadOnlyList<SentenceRewardRequest> requests, CancellationToken cancellationToken = default)
        {
            BatchCalls++;
            return Task.FromResult<IReadOnlyList<IReadOnlyList<SentenceJudgement>>>([.. requests.Select(r => (IReadOnlyList<SentenceJudgement>)[.. r.Description.Sentences.Select(_ => new SentenceJudgement(1))])]);
        }
    }
}
