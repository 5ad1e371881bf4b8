using ViGoR.Core.Tests.Fakes;

namespace ViGoR.Core.Tests.Pipeline;

public sealed class SelectionOrderTests
{
    /// <summary>
    /// The detector finds a dog and a bench. Sample 0 is the least penalised (one missing cat, two
    /// found objects) but is one sentence, which refinement drops. Sample 1 misses a car (penalty 1)
    /// and keeps "A dog runs."; sample 2 misses two objects (penalty 2) and keeps "A dog sits on a
    /// bench.", which finds more.
    /// </summary>
    private static readonly string[] Samples = ["A dog sits on a bench with a cat.", "A dog runs. A car waits.", "A dog sits on a bench. A cat sleeps. A bus waits."];

    private static async Task<SupervisionRecord> SelectAsync(SelectionOrder? order, params string[] samples)
    {
        var options = new RejectionSamplingOptions { RewardSources = RewardSources.Automatic, Sampling = { NumSamples = samples.Length } };
        if (order is { } o)
        {
            options.Selection.Order = o;
        }

        var trainer = new RejectionSamplingTrainer(
            new FakeVisionLanguageModel((_, _) => samples), new FakeNounExtractor(), new LinearRewardCombiner(), new FakeDetector(_ => new HashSet<string> { "dog", "bench" }), null, options);
        return trainer.Select([await trainer.ScoreImageAsync(new TrainingItem(ImageInput.FromId("img"), "Describe."))]).Records[0];
    }

    [Fact]
    public async Task Selecting_first_as_the_paper_does_can_leave_no_target_where_refining_first_keeps_a_clean_sample()
    {
        var paper = await SelectAsync(order: null, Samples);
        var refinedFirst = await SelectAsync(SelectionOrder.RefineThenSelect, Samples);

        Assert.Equal((SupervisionStatus.NoTarget, 0), (paper.Status, paper.Chosen));
        Assert.Equal((SupervisionStatus.Ok, 2), (refinedFirst.Status, refinedFirst.Chosen));
        Assert.Equal("A dog sits on a bench.", refinedFirst.Target);
        Assert.Equal(["A cat sleeps.", "A bus waits."], refinedFirst.Dropped.Select(d => d.Text));

        // What each keeps is ranked (both keep no penalty; the bench breaks the tie), not the whole
        // samples, by which sample 1 would win; the sample that keeps nothing is not ranked.
        Assert.Equal([null, 1, 0], refinedFirst.Samples.Select(s => s.Rank));
        Assert.Equal([null, 0.0, 0.0], refinedFirst.Samples.Select(s => s.CombinedPenalty));
    }

    [Fact]
    public async Task When_no_sample_keeps_a_sentence_refining_first_chooses_as_the_paper_does()
    {
        string[] samples = ["A cat sleeps.", "A bus waits. A car stops."];

        var paper = await SelectAsync(SelectionOrder.SelectThenRefine, samples);
        var refinedFirst = await SelectAsync(SelectionOrder.RefineThenSelect, samples);

        Assert.Equal(SupervisionStatus.NoTarget, refinedFirst.Status);
        Assert.Equal(paper.Chosen, refinedFirst.Chosen);
        Assert.Equal(paper.Samples.Select(s => (s.Rank, s.CombinedPenalty)), refinedFirst.Samples.Select(s => (s.Rank, s.CombinedPenalty)));
        Assert.Contains("every sample", refinedFirst.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void The_order_is_in_the_supervision_header_and_is_copied_with_the_options()
    {
        var scores = new JournalHeader { VigorJournal = JournalHeader.ScoresKind, Settings = new SortedDictionary<string, string>() };
        string Order(SelectionOptions selection) =>
            RejectionSamplingTrainer.SelectionHeader(scores, new LinearRewardCombiner(), selection, new RewardStatistics()).Settings["selection.order"];
        var refineFirst = new SelectionOptions { Order = SelectionOrder.RefineThenSelect };

        Assert.Equal("select_then_refine", Order(new SelectionOptions()));
        Assert.Equal("refine_then_select", Order(refineFirst));
        Assert.Equal(SelectionOrder.RefineThenSelect, refineFirst.Clone().Order);
    }
}
