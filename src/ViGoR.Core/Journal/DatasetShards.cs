namespace ViGoR;

/// <summary>One chunk of a data set split across a job array: chunk <see cref="Index"/> (from 0) of <see cref="Count"/>.</summary>
/// <param name="Index">The chunk, in [0, Count).</param>
/// <param name="Count">How many chunks the data set was split into.</param>
public readonly record struct DatasetChunk(int Index, int Count);

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

    /// <summary>
    /// Which chunk this process runs: the explicit values when given, else the job scheduler's
    /// environment. Slurm job arrays: <c>SLURM_ARRAY_TASK_COUNT</c> chunks, this one
    /// <c>SLURM_ARRAY_TASK_ID</c> minus <c>SLURM_ARRAY_TASK_MIN</c> (0 when unset), so
    /// <c>--array=1-8</c> works as well as <c>0-7</c>. Kubernetes Indexed Jobs:
    /// <c>JOB_COMPLETION_INDEX</c>, with the count from <paramref name="chunkCount"/> (Kubernetes
    /// does not expose it). Neither: one chunk, the whole data set.
    /// </summary>
    /// <param name="chunkCount">The explicit number of chunks (<c>--num-chunks</c>), or null.</param>
    /// <param name="chunkIndex">The explicit chunk (<c>--chunk-idx</c>), or null.</param>
    /// <param name="environment">Reads an environment variable (null when unset); <see cref="Environment.GetEnvironmentVariable(string)"/> when null.</param>
    /// <returns>The chunk count, the chunk index, and where they came from (<c>flags</c>, <c>slurm</c>, <c>kubernetes</c> or <c>none</c>).</returns>
    /// <exception cref="ArgumentException">The values are inconsistent or out of range; the message names the flag or variable.</exception>
    public static (int Count, int Index, string Source) ResolveChunk(int? chunkCount, int? chunkIndex, Func<string, string?>? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        string source;
        int count, index;
        if (chunkIndex is not null)
        {
            (count, index, source) = (chunkCount ?? 1, chunkIndex.Value, "flags");
        }
        else if (environment("SLURM_ARRAY_TASK_ID") is { } slurmId)
        {
            var id = Parse("SLURM_ARRAY_TASK_ID", slurmId);
            var min = environment("SLURM_ARRAY_TASK_MIN") is { } m ? Parse("SLURM_ARRAY_TASK_MIN", m) : 0;
            var slurmCount = environment("SLURM_ARRAY_TASK_COUNT") is { } c ? Parse("SLURM_ARRAY_TASK_COUNT", c) : chunkCount
                ?? throw new ArgumentException("SLURM_ARRAY_TASK_ID is set but SLURM_ARRAY_TASK_COUNT is not: give --num-chunks.");
            if (chunkCount is not null && chunkCount != slurmCount)
            {
                throw new ArgumentException($"--num-chunks {chunkCount} disagrees with SLURM_ARRAY_TASK_COUNT={slurmCount}.");
            }

            (count, index, source) = (slurmCount, id - min, "slurm");
        }
        else if (environment("JOB_COMPLETION_INDEX") is { } k8sIndex)
        {
            (count, index, source) = (chunkCount ?? throw new ArgumentException("JOB_COMPLETION_INDEX is set (a Kubernetes Indexed Job): give --num-chunks equal to the Job's completions."), Parse("JOB_COMPLETION_INDEX", k8sIndex), "kubernetes");
        }
        else
        {
            (count, index, source) = (chunkCount ?? 1, 0, chunkCount is null ? "none" : "flags");
        }

        if (count < 1 || index < 0 || index >= count)
        {
            throw new ArgumentException($"Chunk {index} of {count} (from {source}) is out of range: the index must be in [0, count).");
        }

        return (count, index, source);
    }

    private static int Parse(string name, string value) =>
        int.TryParse(value, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var parsed)
            ? parsed
            : throw new ArgumentException($"{name}={value} is not an integer.");
}
