using ViGoR.Core.Tests.Fakes;

namespace ViGoR.Core.Tests.Rewards;

public sealed class RecordedJudgementsTests
{
    [Fact]
    public async Task A_recorded_label_score_is_replayed_and_files_without_one_still_read()
    {
        var model = RecordedSentenceRewardModel.Load(
            """
            {"image": "img", "sentence": "A dog runs.", "score": -0.2, "error": null, "label_score": 1}
            {"image": "img", "sentence": "A cat sleeps.", "score": -1, "error": "object_hallucination"}
            {"image": "img", "sentence": "A car waits.", "score": 0.5, "error": null, "label_score": null}
            """,
            "judgements.jsonl",
            MissingJudgementPolicy.Error);
        var parsed = await new FakeNounExtractor().ExtractAsync("A dog runs. A cat sleeps. A car waits.");

        var judgements = await model.JudgeAsync(ImageInput.FromId("img"), "Describe.", parsed);

        Assert.Equal([1, null, null], judgements.Select(j => j.LabelScore));
        Assert.Equal([-0.2, -1, 0.5], judgements.Select(j => j.Score));
        var bad = Assert.Throws<InvalidDataException>(() => RecordedSentenceRewardModel.Load(
            """{"image": "img", "sentence": "A dog runs.", "score": 1, "label_score": "high"}""", "j.jsonl", MissingJudgementPolicy.Error));
        Assert.Contains("j.jsonl, line 1: field 'label_score'", bad.Message, StringComparison.Ordinal);
    }
}
