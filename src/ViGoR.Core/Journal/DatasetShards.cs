namespace ViGoR;

/// <summary>
/// Splits a data set across the processes of a job array with LLaVA's convention
/// (<c>--num-chunks N --chunk-idx I</c>, <c>split_list</c>/<c>get_chunk</c> in LLaVA's eval scripts):
/// contiguous chunks of ceil(count / N) items, in order.
/// </summary>
public static class DatasetShards
{
    /// <summary>
    /// The items of chunk <paramref name="chunkIndex"/> of <paramref name="chunkCount"/>. Together the
    /// chunks cover every item exactly once, in order. Differs from LLaVA in one case: where rounding
    /// leaves fewer than N non-empty chunks, LLaVA raises IndexError for the last indices; this returns
    /// an empty chunk.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">chunkCount &lt; 1, or chunkIndex outside [0, chunkCount).</exception>
    public static IReadOnlyList<T> GetChunk<T>(IReadOnlyList<T> items, int chunkCount, int chunkIndex)
    {
        ArgumentNullException.ThrowIfNull(items);
        ArgumentOutOfRangeException.ThrowIfLessThan(chunkCount, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(chunkIndex);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(chunkIndex, chunkCount);
        if (items.Count == 0)
        {
            return [];
        }

        var chunkSize = (items.Count + chunkCount - 1) / chunkCount;
        var start = (long)chunkIndex * chunkSize;
        if (start >= items.Count)
        {
            return [];
        }

        var end = Math.Min(items.Count, start + chunkSize);
        var chunk = new T[end - start];
        for (var i = 0; i < chunk.Length; i++)
        {
            chunk[i] = items[(int)start + i];
        }

        return chunk;
    }
}
