namespace ViGoR.Core.Tests.Journal;

public class ShardTests
{
    [Theory]
    [InlineData(0, 1)]
    [InlineData(1, 3)]
    [InlineData(10, 4)]
    [InlineData(10, 3)]
    [InlineData(4, 3)]
    [InlineData(7, 7)]
    [InlineData(5, 8)]
    [InlineData(1000, 16)]
    public void Chunks_partition_the_data_set_exactly_in_order(int count, int chunks)
    {
        var items = Enumerable.Range(0, count).ToList();

        var joined = Enumerable.Range(0, chunks).SelectMany(i => DatasetShards.GetChunk(items, chunks, i)).ToList();

        Assert.Equal(items, joined);
    }

    [Fact]
    public void Chunks_follow_llava_split_list()
    {
        // LLaVA: chunk_size = ceil(10 / 4) = 3 -> [0,1,2] [3,4,5] [6,7,8] [9].
        var items = Enumerable.Range(0, 10).ToList();

        Assert.Equal([3, 4, 5], DatasetShards.GetChunk(items, 4, 1));
        Assert.Equal([9], DatasetShards.GetChunk(items, 4, 3));
    }

    [Fact]
    public void Chunk_index_out_of_range_is_rejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => DatasetShards.GetChunk([1, 2], 2, 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => DatasetShards.GetChunk([1, 2], 0, 0));
    }
}

public class ChunkResolutionTests
{
    private static Func<string, string?> Env(params (string Name, string Value)[] variables) =>
        name => variables.FirstOrDefault(v => v.Name == name).Value;

    [Fact]
    public void Flags_win_then_slurm_then_kubernetes_then_one_chunk()
    {
        var slurm = Env(("SLURM_ARRAY_TASK_ID", "5"), ("SLURM_ARRAY_TASK_MIN", "3"), ("SLURM_ARRAY_TASK_COUNT", "4"));
        Assert.Equal((4, 1, "flags"), DatasetShards.ResolveChunk(4, 1, slurm));
        Assert.Equal((4, 2, "slurm"), DatasetShards.ResolveChunk(null, null, slurm));
        Assert.Equal((8, 7, "kubernetes"), DatasetShards.ResolveChunk(8, null, Env(("JOB_COMPLETION_INDEX", "7"))));
        Assert.Equal((1, 0, "none"), DatasetShards.ResolveChunk(null, null, Env()));
    }

    [Fact]
    public void Inconsistent_or_missing_values_name_the_variable()
    {
        Assert.Contains("--num-chunks", Assert.Throws<ArgumentException>(() => DatasetShards.ResolveChunk(null, null, Env(("JOB_COMPLETION_INDEX", "0")))).Message);
        Assert.Contains("SLURM_ARRAY_TASK_COUNT=4", Assert.Throws<ArgumentException>(() => DatasetShards.ResolveChunk(3, null, Env(("SLURM_ARRAY_TASK_ID", "0"), ("SLURM_ARRAY_TASK_COUNT", "4")))).Message);
        Assert.Contains("out of range", Assert.Throws<ArgumentException>(() => DatasetShards.ResolveChunk(2, null, Env(("JOB_COMPLETION_INDEX", "2")))).Message);
        Assert.Contains("SLURM_ARRAY_TASK_ID=x", Assert.Throws<ArgumentException>(() => DatasetShards.ResolveChunk(null, null, Env(("SLURM_ARRAY_TASK_ID", "x")))).Message);
    }
}
