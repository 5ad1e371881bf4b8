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
