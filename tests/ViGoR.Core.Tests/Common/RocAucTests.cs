namespace ViGoR.Core.Tests.Common;

public sealed class RocAucTests
{
    [Fact]
    public void Counts_ordered_pairs_with_ties_as_half()
    {
        // Positives 0.9, 0.5; negatives 0.5, 0.1: pairs (0.9>0.5), (0.9>0.1), (0.5=0.5 -> 1/2), (0.5>0.1) = 3.5 of 4.
        Assert.Equal(0.875, RocAuc.Of([0.9, 0.5, 0.5, 0.1], [true, true, false, false])!.Value, 12);
        Assert.Equal(0.0, RocAuc.Of([0.1, 0.9], [true, false])!.Value, 12);
        Assert.Null(RocAuc.Of([0.1, 0.9], [true, true]));
    }
}
