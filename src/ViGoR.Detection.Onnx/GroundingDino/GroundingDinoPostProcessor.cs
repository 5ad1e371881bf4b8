namespace ViGoR;

/// <summary>One kept query before its label is decoded.</summary>
/// <param name="QueryIndex">The decoder query (0..899) it came from.</param>
/// <param name="Score">max over text positions of sigmoid(logit).</param>
/// <param name="Box">Corners in pixels of the original image.</param>
/// <param name="LabelTokenIds">Token ids above the text threshold (position 0 and the last position excluded).</param>
/// <param name="PhraseIndices">
/// Every phrase (<see cref="PhraseSpan.PhraseIndex"/>) with a token above the text threshold, by
/// descending best token probability (ties: the phrase lit first in the text); empty when none.
/// </param>
internal sealed record RawDetection(int QueryIndex, float Score, BoundingBox Box, long[] LabelTokenIds, int[] PhraseIndices)
{
    /// <summary>The phrase with the most probable lit token, or -1.</summary>
    public int PhraseIndex => PhraseIndices.Length > 0 ? PhraseIndices[0] : -1;
}

/// <summary>
/// transformers' <c>GroundingDinoProcessor.post_process_grounded_object_detection</c> for one image:
/// probs = sigmoid(logits); score = max over the text axis; keep score &gt; box threshold; label =
/// the input ids at positions whose prob &gt; text threshold, excluding position 0 and positions
/// &gt;= last (get_phrases_from_posmap with left_idx 0, right_idx = text axis - 1); boxes
/// (cx, cy, w, h) normalised -&gt; corners scaled by the original width and height. Beyond
/// transformers, each box names every phrase with a label position inside its span, not only
/// the most probable one.
/// Padded positions carry -inf logits, whose sigmoid is 0: they never pass a threshold.
/// </summary>
internal static class GroundingDinoPostProcessor
{
    /// <summary>Post-processes one image's outputs.</summary>
    /// <param name="logits">[queries, textPositions] logits of this image.</param>
    /// <param name="boxes">[queries, 4] normalised cx, cy, w, h.</param>
    /// <param name="textPositions">Size of the text axis (256).</param>
    /// <param name="inputIds">The token ids fed (length L &lt;= textPositions).</param>
    /// <param name="spans">Where each query phrase sits in <paramref name="inputIds"/>.</param>
    /// <param name="boxThreshold">Keep queries whose score is above this.</param>
    /// <param name="textThreshold">Label tokens are those whose probability is above this.</param>
    /// <param name="imageWidth">Width of the original image in pixels.</param>
    /// <param name="imageHeight">Height of the original image in pixels.</param>
    public static List<RawDetection> Process(
        ReadOnlySpan<float> logits,
        ReadOnlySpan<float> boxes,
        int textPositions,
        ReadOnlySpan<long> inputIds,
        IReadOnlyList<PhraseSpan> spans,
        float boxThreshold,
        float textThreshold,
        int imageWidth,
        int imageHeight)
    {
        var queries = logits.Length / textPositions;
        var results = new List<RawDetection>();
        var rightIndex = textPositions - 1;
        float width = imageWidth, height = imageHeight;
        for (var q = 0; q < queries; q++)
        {
            var row = logits.Slice(q * textPositions, textPositions);

            // sigmoid is monotonic, so the max of the probabilities is the sigmoid of the max logit.
            var maxLogit = float.NegativeInfinity;
            foreach (var v in row)
            {
                if (v > maxLogit)
                {
                    maxLogit = v;
                }
            }

            var score = Sigmoid(maxLogit);
            if (!(score > boxThreshold))
            {
                continue;
            }

            var label = new List<long>();

            // Each lit phrase with its best probability, in the order first lit.
            var lit = new List<(int Phrase, float Prob)>();

            // Positions past the ids fed are padding (-inf in real exports); transformers would fail
            // to index them, so they are never part of a label.
            var end = Math.Min(rightIndex, inputIds.Length);
            for (var j = 1; j < end; j++)
            {
                var p = Sigmoid(row[j]);
                if (!(p > textThreshold))
                {
                    continue;
                }

                label.Add(inputIds[j]);
                var phrase = PhraseAt(spans, j);
                if (phrase < 0)
                {
                    continue;
                }

                var seen = lit.FindIndex(e => e.Phrase == phrase);
                if (seen < 0)
                {
                    lit.Add((phrase, p));
                }
                else if (p > lit[seen].Prob)
                {
                    lit[seen] = (phrase, p);
                }
            }

            // OrderByDescending is stable: among equal probabilities the phrase lit first leads,
            // as the strict '>' of a single running best would keep it.
            int[] phrases = [.. lit.OrderByDescending(e => e.Prob).Select(e => e.Phrase)];

            float cx = boxes[q * 4], cy = boxes[(q * 4) + 1], w = boxes[(q * 4) + 2], h = boxes[(q * 4) + 3];
            var box = new BoundingBox(
                (cx - (0.5f * w)) * width,
                (cy - (0.5f * h)) * height,
                (cx + (0.5f * w)) * width,
                (cy + (0.5f * h)) * height);
            results.Add(new RawDetection(q, score, box, [.. label], phrases));
        }

        return results;
    }

    /// <summary>torch.sigmoid in float32; -inf gives 0, +inf gives 1.</summary>
    public static float Sigmoid(float x) => 1f / (1f + MathF.Exp(-x));

    private static int PhraseAt(IReadOnlyList<PhraseSpan> spans, int position)
    {
        foreach (var span in spans)
        {
            if (position >= span.Start && position < span.End)
            {
                return span.PhraseIndex;
            }
        }

        return -1;
    }
}
