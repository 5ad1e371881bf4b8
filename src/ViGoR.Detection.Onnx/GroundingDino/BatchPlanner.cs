namespace ViGoR;

/// <summary>Rows (an image with one text chunk) that go through the model in one call.</summary>
/// <param name="Rows">Indexes of the rows, in order.</param>
/// <param name="Slots">Batch size fed (more than the rows when the export's batch is fixed).</param>
/// <param name="Height">Height of the pixel tensor (the largest image, others padded bottom-right).</param>
/// <param name="Width">Width of the pixel tensor.</param>
internal sealed record BatchGroup(IReadOnlyList<int> Rows, int Slots, int Height, int Width);

/// <summary>Groups rows, by the size their images are resized to, into model calls.</summary>
internal static class BatchPlanner
{
    /// <summary>
    /// Splits rows into calls of at most <paramref name="batchSize"/>, keeping their order within a
    /// call. Without a pixel mask the model cannot tell padding from image, so only images of the same
    /// size share a call; with one, images are padded to the largest as transformers' processor does
    /// (zeros, mask 0).
    /// </summary>
    public static IEnumerable<BatchGroup> Plan(IReadOnlyList<(int Height, int Width)> sizes, int batchSize, bool canPad, bool fixedBatch = false)
    {
        var keys = Enumerable.Range(0, sizes.Count)
            .GroupBy(i => canPad ? (0, 0) : sizes[i]);
        foreach (var sameKey in keys)
        {
            foreach (var part in sameKey.Chunk(batchSize))
            {
                var height = part.Max(i => sizes[i].Height);
                var width = part.Max(i => sizes[i].Width);
                yield return new BatchGroup(part, fixedBatch ? batchSize : part.Length, height, width);
            }
        }
    }
}
