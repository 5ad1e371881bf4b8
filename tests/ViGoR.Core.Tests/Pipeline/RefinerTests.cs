using ViGoR.Core.Tests.Fakes;

namespace ViGoR.Core.Tests.Pipeline;

public class RefinerTests
{
    private static async Task<ScoredSample> ScoreAsync(string text, params string[] present)
    {
        var parsed = await new FakeNounExtractor().ExtractAsync(text);
        var detector = new FakeDetector(_ => present.ToHashSet());
        var signals = await new AutomaticScorer(detector).ScoreAsync(ImageInput.FromId("img"), [parsed]);
        return SampleScoring.Create(0, parsed, signals[0], null, RewardGranularity.FineGrained);
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

        Assert.Equal(0, sample.AutomaticPenalty);
        Assert.Equal(1, sample.AutomaticBonus);
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

        var withCheck = await new AutomaticScorer(detector, new AutomaticScoringOptions { CheckCounts = true }).ScoreAsync(ImageInput.FromId("img"), [parsed]);
        var without = await new AutomaticScorer(detector).ScoreAsync(ImageInput.FromId("img"), [parsed]);

        Assert.Equal(["dog"], withCheck[0][0].CountMismatches);
        Assert.Empty(withCheck[0][1].CountMismatches);
        Assert.Empty(without[0][0].CountMismatches);
    }

    [Fact]
    public async Task A_closed_vocabulary_detector_is_asked_only_what_it_can_judge()
    {
        var parsed = await new FakeNounExtractor().ExtractAsync("A dog sits on a bench. A cat sleeps.");
        var detector = new ClosedDetector(new FakeDetector(_ => new HashSet<string> { "dog" }), ["dog", "cat"]);

        var signals = await new AutomaticScorer(detector).ScoreAsync(ImageInput.FromId("img"), [parsed]);

        Assert.Equal(["dog", "cat"], Assert.Single(detector.Inner.Calls).Phrases);
        Assert.Equal(["bench"], signals[0][0].Unverified);
        Assert.Equal(["dog"], signals[0][0].Found);
        Assert.Empty(signals[0][0].Missing);
        Assert.Equal(["cat"], signals[0][1].Missing);
    }

    private sealed class ClosedDetector(FakeDetector inner, string[] vocabulary) : IGroundingDetector, IClosedVocabularyDetector
    {
        public FakeDetector Inner => inner;

        public bool CanVerify(string phrase) => vocabulary.Contains(phrase);

        public Task<IReadOnlyList<Detection>> DetectAsync(ImageInput image, IReadOnlyList<string> phrases, GroundingOptions? options = null, CancellationToken cancellationToken = default) =>
            inner.DetectAsync(image, phrases, options, cancellationToken);
    }
}
