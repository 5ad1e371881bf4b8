namespace ViGoR.DetectionOnnx.Tests;

public class PostProcessorTests
{
    private const int T = 256;

    [Fact]
    public void Thresholds_labels_padding_and_box_scaling_follow_transformers()
    {
        long[] ids = [101, 4937, 1012, 3899, 1012, 102];
        var logits = new float[3 * T];
        Array.Fill(logits, float.NegativeInfinity);
        for (var q = 0; q < 3; q++)
        {
            for (var j = 0; j < ids.Length; j++)
            {
                logits[(q * T) + j] = -5f;
            }
        }

        logits[0] = 10f;                 // q0: only [CLS] -> kept, empty label (position 0 excluded)
        logits[T + 1] = 1f;              // q1: cat 0.731 and dog 0.20 -> label "cat"
        logits[T + 3] = -1.4f;
        logits[(2 * T) + 3] = -1.2f;     // q2: dog 0.2315 < 0.25 -> dropped
        float[] boxes = [0.5f, 0.5f, 0.2f, 0.4f, 0.25f, 0.75f, 0.1f, 0.1f, 0.5f, 0.5f, 1f, 1f];
        var spans = new[] { new PhraseSpan(0, 1, 2), new PhraseSpan(1, 3, 4) };

        var result = GroundingDinoPostProcessor.Process(logits, boxes, T, ids, spans, 0.25f, 0.25f, 640, 480);

        Assert.Equal(2, result.Count);
        Assert.Equal(0, result[0].QueryIndex);
        Assert.Empty(result[0].LabelTokenIds);
        Assert.Equal(-1, result[0].PhraseIndex);
        Assert.Empty(result[0].PhraseIndices);
        Assert.Equal(Fixtures.Sigmoid(10), result[0].Score, 6);
        Boxes.Equal(new BoundingBox(256, 144, 384, 336), result[0].Box);

        Assert.Equal(1, result[1].QueryIndex);
        Assert.Equal([4937], result[1].LabelTokenIds);
        Assert.Equal([0], result[1].PhraseIndices);
        Boxes.Equal(new BoundingBox(128, 336, 192, 384), result[1].Box);

        // A lower text threshold adds "dog"; the most probable phrase stays first.
        var lower = GroundingDinoPostProcessor.Process(logits, boxes, T, ids, spans, 0.25f, 0.19f, 640, 480);
        Assert.Equal([4937, 3899], lower[1].LabelTokenIds);
        Assert.Equal(0, lower[1].PhraseIndex);
        Assert.Equal([0, 1], lower[1].PhraseIndices);
    }

    [Fact]
    public void A_box_names_every_phrase_lit_above_the_text_threshold_most_probable_first()
    {
        // "[CLS] remote control . cat . dog . [SEP]", the second chunk of a longer list: its phrases
        // are 3, 4 and 5 of the caller's list.
        long[] ids = [101, 6556, 2491, 1012, 4937, 1012, 3899, 1012, 102];
        var spans = new[] { new PhraseSpan(3, 1, 3), new PhraseSpan(4, 4, 5), new PhraseSpan(5, 6, 7) };
        var logits = new float[2 * T];
        Array.Fill(logits, float.NegativeInfinity);
        for (var q = 0; q < 2; q++)
        {
            for (var j = 0; j < ids.Length; j++)
            {
                logits[(q * T) + j] = -5f;
            }
        }

        logits[1] = -2f;                 // q0: remote 0.12 (below), control 0.62: phrase 3 lit by its second token
        logits[2] = 0.5f;
        logits[4] = 1.5f;                // cat 0.82: the most probable
        logits[6] = -1.2f;               // dog 0.2315: below the text threshold
        logits[T + 1] = 1f;              // q1: remote and cat equally probable: the phrase lit first leads
        logits[T + 4] = 1f;
        float[] boxes = [0.5f, 0.5f, 0.2f, 0.2f, 0.5f, 0.5f, 0.2f, 0.2f];

        var result = GroundingDinoPostProcessor.Process(logits, boxes, T, ids, spans, 0.25f, 0.25f, 10, 10);

        Assert.Equal(2, result.Count);
        Assert.Equal([4, 3], result[0].PhraseIndices);
        Assert.Equal(4, result[0].PhraseIndex);
        Assert.Equal([2491, 4937], result[0].LabelTokenIds);
        Assert.Equal([3, 4], result[1].PhraseIndices);

        // Lowering the text threshold under dog's 0.2315 adds it last.
        Assert.Equal([4, 3, 5], GroundingDinoPostProcessor.Process(logits, boxes, T, ids, spans, 0.25f, 0.2f, 10, 10)[0].PhraseIndices);
    }

    [Fact]
    public void Last_text_position_never_enters_a_label_but_counts_for_the_score()
    {
        var ids = Enumerable.Repeat(1037L, T).ToArray();
        var logits = Enumerable.Repeat(-9f, T).ToArray();
        logits[T - 1] = 3f;
        float[] boxes = [0.5f, 0.5f, 0.5f, 0.5f];

        var result = Assert.Single(GroundingDinoPostProcessor.Process(logits, boxes, T, ids, [], 0.25f, 0.25f, 10, 10));

        Assert.Empty(result.LabelTokenIds);
        Assert.Equal(Fixtures.Sigmoid(3), result.Score, 6);
    }

    [Fact]
    public void All_negative_infinity_rows_are_dropped() =>
        Assert.Empty(GroundingDinoPostProcessor.Process(
            Enumerable.Repeat(float.NegativeInfinity, 2 * T).ToArray(), new float[8], T, [101, 102], [], 0f, 0f, 10, 10));
}
