using ViGoR.Core.Tests.Fakes;

namespace ViGoR.Core.Tests.Pipeline;

public class RefinerTests
{
    private static async Task<ScoredSample> ScoreAsync(string text, params string[] present)
    {
        var parsed = await new FakeNounExtractor().ExtractAsync(text);
        var detector = new FakeDetector(_ => present.ToHashSet());
        var scores = await new AutomaticRewardStream(detector).ScoreAsync(new RewardStreamInput(ImageInput.FromId("img"), "Describe.", [parsed]));
        return new ScoredSample(0, parsed, new Dictionary<string, StreamScore> { [RewardStreams.Automatic] = scores[0] });
    }

    [Fact]
    public async Task Drops_the_papers_example_sentence_when_the_person_is_not_found()
    {
        // Yan et al., Fig. 2: "...A person is walking in front of the car." is removed because no person is detected.
        var sample = await ScoreAsync("A red car is parked on the street. A person is walking in front of the car.", "car");

        var refined = SupervisionRefiner.Refine(sample);

        Assert.Equal("A red car is parked on the street.", refined.Text);
        var dropped = Assert.Single(refined.Dropped);
        Assert.Equal(1, dropped.SentenceIndex);
        Assert.Equal("A person is walking in front of the car.", dropped.Text);
        Assert.Equal(["person"], dropped.MissingObjects);
    }

    [Fact]
    public async Task Keeps_the_remaining_sentences_verbatim_with_their_spacing()
    {
        var sample = await ScoreAsync("A dog runs.  A cat sleeps.\n\nA tree stands.", "dog", "tree");

        var refined = SupervisionRefiner.Refine(sample);

        Assert.Equal("A dog runs.\n\nA tree stands.", refined.Text);
    }

    [Fact]
    public async Task Leading_dropped_sentence_leaves_no_leading_space()
    {
        var sample = await ScoreAsync("A cat sleeps. A dog runs.", "dog");

        Assert.Equal("A dog runs.", SupervisionRefiner.Refine(sample).Text);
    }

    [Fact]
    public async Task Nothing_left_is_reported_as_empty()
    {
        var sample = await ScoreAsync("A cat sleeps. A bus waits.");

        var refined = SupervisionRefiner.Refine(sample);

        Assert.True(refined.IsEmpty);
        Assert.Equal(2, refined.Dropped.Count);
    }

    [Fact]
    public async Task Negated_and_hedged_objects_are_not_penalised_or_dropped()
    {
        var sample = await ScoreAsync("There is no cat here. It might be a bus stop. A dog runs.", "dog");

        var refined = SupervisionRefiner.Refine(sample);

        Assert.Equal(0, sample.Streams[RewardStreams.Automatic].Penalty);
        Assert.Equal(1, sample.Streams[RewardStreams.Automatic].Bonus);
        Assert.Equal(sample.Text, refined.Text);
    }

    [Fact]
    public async Task Stuff_nouns_are_not_queried()
    {
        var parsed = await new FakeNounExtractor().ExtractAsync("The sky is blue over the grass. A dog runs.");

        var queries = DetectorQueryPlanner.Plan([parsed]);

        Assert.Equal(["dog"], queries.Select(q => q.Phrase));
    }

    [Fact]
    public async Task Count_check_penalises_a_stated_count_that_the_detections_contradict()
    {
        var parsed = await new FakeNounExtractor().ExtractAsync("Three dogs play. A car waits.");
        var detector = new FakeDetector(_ => new HashSet<string> { "dog", "car" }) { CountOf = (_, p) => p == "dog" ? 2 : 1 };

        var input = new RewardStreamInput(ImageInput.FromId("img"), "Describe.", [parsed]);
        var withCheck = await new AutomaticRewardStream(detector, new AutomaticStreamOptions { CheckCounts = true }).ScoreAsync(input);
        var without = await new AutomaticRewardStream(detector).ScoreAsync(input);

        Assert.Equal(["dog"], AutomaticEvidence.From(withCheck[0].Sentences[0])!.CountMismatches);
        Assert.Empty(AutomaticEvidence.From(withCheck[0].Sentences[1])!.CountMismatches!);
        Assert.Empty(AutomaticEvidence.From(without[0].Sentences[0])!.CountMismatches!);
        Assert.Equal(1, withCheck[0].Penalty);
        Assert.Equal(0, without[0].Penalty);
    }

    [Fact]
    public async Task A_closed_vocabulary_detector_is_asked_only_what_it_can_judge()
    {
        var parsed = await new FakeNounExtractor().ExtractAsync("A dog sits on a bench. A cat sleeps.");
        var detector = new ClosedDetector(new FakeDetector(_ => new HashSet<string> { "dog" }), ["dog", "cat"]);

        var signals = (await new AutomaticRewardStream(detector).ScoreAsync(new RewardStreamInput(ImageInput.FromId("img"), "Describe.", [parsed])))[0].Sentences;

        Assert.Equal(["dog", "cat"], Assert.Single(detector.Inner.Calls).Phrases);
        Assert.Equal(["bench"], AutomaticEvidence.From(signals[0])!.Unverified);
        Assert.Equal(["dog"], AutomaticEvidence.From(signals[0])!.Found);
        Assert.Empty(AutomaticEvidence.From(signals[0])!.Missing!);
        Assert.Equal(["cat"], AutomaticEvidence.From(signals[1])!.Missing);
    }

    [Fact]
    public async Task A_box_that_lights_several_phrases_supports_each_of_them()
    {
        // One sample says "person", another "dog"; the detector's one box lights both phrases, with
        // "person" the more probable. The dog must not be judged missing.
        var dogSample = await new FakeNounExtractor().ExtractAsync("A dog runs.");
        var personSample = await new FakeNounExtractor().ExtractAsync("A person runs.");
        var detector = new ScriptedDetector([new Detection("person dog", "person", 0.8f, new BoundingBox(0, 0, 10, 10)) { Queries = ["person", "dog"] }]);

        var scores = await new AutomaticRewardStream(detector).ScoreAsync(new RewardStreamInput(ImageInput.FromId("img"), "Describe.", [personSample, dogSample]));

        Assert.Equal(["person"], AutomaticEvidence.From(scores[0].Sentences[0])!.Found);
        Assert.Equal(["dog"], AutomaticEvidence.From(scores[1].Sentences[0])!.Found);
        Assert.Empty(AutomaticEvidence.From(scores[1].Sentences[0])!.Missing!);
        Assert.Null(scores[1].Sentences[0]!.Drop);
    }

    private sealed class ScriptedDetector(IReadOnlyList<Detection> detections) : IGroundingDetector
    {
        public Task<IReadOnlyList<Detection>> DetectAsync(ImageInput image, IReadOnlyList<string> phrases, GroundingOptions? options = null, CancellationToken cancellationToken = default) =>
            Task.FromResult(detections);
    }

    private sealed class ClosedDetector(FakeDetector inner, string[] vocabulary) : IGroundingDetector, IClosedVocabularyDetector
    {
        public FakeDetector Inner => inner;

        public bool CanVerify(string phrase) => vocabulary.Contains(phrase);

        public Task<IReadOnlyList<Detection>> DetectAsync(ImageInput image, IReadOnlyList<string> phrases, GroundingOptions? options = null, CancellationToken cancellationToken = default) =>
            inner.DetectAsync(image, phrases, options, cancellationToken);
    }
}

public sealed class RewardModelStreamBatchTests
{
    /// <summary>Judges only in batches; a per-description call is a failure (the stream must use the batch).</summary>
    private sealed class BatchOnlyRewardModel(Func<string, double> score) : IBatchSentenceRewardModel
    {
        public int BatchCalls { get; private set; }

        public bool Short { get; init; }

        public Task<IReadOnlyList<SentenceJudgement>> JudgeAsync(ImageInput image, string prompt, ParsedText description, CancellationToken cancellationToken = default) =>
            throw new InvalidOperationException("JudgeAsync called: the stream did not batch.");

        public Task<IReadOnlyList<IReadOnlyList<SentenceJudgement>>> JudgeBatchAsync(IReadOnlyList<SentenceRewardRequest> requests, CancellationToken cancellationToken = default)
        {
            BatchCalls++;
            return Task.FromResult<IReadOnlyList<IReadOnlyList<SentenceJudgement>>>(requests
                .Select(r => (IReadOnlyList<SentenceJudgement>)r.Description.Sentences.Skip(Short ? 1 : 0).Select(s => new SentenceJudgement(score(s.Text), score(s.Text) < 0 ? SentenceErrorKind.ObjectHallucination : SentenceErrorKind.None)).ToList())
                .ToList());
        }
    }

    [Fact]
    public async Task A_batch_reward_model_judges_all_samples_of_an_image_in_one_call_with_the_same_scores()
    {
        var extractor = new FakeNounExtractor();
        var samples = new List<ParsedText> { await extractor.ExtractAsync("A dog runs. A cat sleeps."), await extractor.ExtractAsync("A car."), await extractor.ExtractAsync(string.Empty) };
        Func<string, double> score = text => text.Contains("cat", StringComparison.Ordinal) ? -1 : 0.5;
        var batch = new BatchOnlyRewardModel(score);
        var input = new RewardStreamInput(ImageInput.FromId("x"), "Describe.", samples);

        var batched = await new RewardModelStream(batch).ScoreAsync(input);
        var alone = await new RewardModelStream(new FakeRewardModel(score)).ScoreAsync(input);

        Assert.Equal(1, batch.BatchCalls);
        Assert.Equal(alone.Select(s => (s.Penalty, s.Bonus)), batched.Select(s => (s.Penalty, s.Bonus)));
        Assert.Equal(["object_hallucination"], batched[0].Sentences[1]!.Drop);
        var wrong = new BatchOnlyRewardModel(score) { Short = true };
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => new RewardModelStream(wrong).ScoreAsync(input));
        Assert.Contains("sample 0 of image 'x'", error.Message, StringComparison.Ordinal);
    }
}
