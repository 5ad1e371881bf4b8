using System.Runtime;

namespace ViGoR.Torch.Tests.Native;

/// <summary>The no-GC region is process-wide: other test classes' generation and training hold it while they run, so these tests run alone.</summary>
[CollectionDefinition(nameof(NativeScalarRaceTests), DisableParallelization = true)]
public sealed class RunsAlone;

[Collection(nameof(NativeScalarRaceTests))]
public sealed class NativeScalarRaceTests
{
    [Fact]
    public void No_collection_runs_inside_a_guard_and_the_region_ends_with_the_outermost_one()
    {
        Assert.NotEqual(GCLatencyMode.NoGCRegion, GCSettings.LatencyMode);
        using (NativeScalarRace.Enter())
        {
            Assert.Equal(GCLatencyMode.NoGCRegion, GCSettings.LatencyMode);
            int before = GC.CollectionCount(0);
            var garbage = new List<byte[]>();
            for (int i = 0; i < 100; i++)
            {
                garbage.Add(new byte[10_000]); // 1 MB, well inside the budget
            }

            using (NativeScalarRace.Enter())
            {
                Assert.Equal(GCLatencyMode.NoGCRegion, GCSettings.LatencyMode);
            }

            Assert.Equal(GCLatencyMode.NoGCRegion, GCSettings.LatencyMode); // the inner guard does not end the outer one
            Assert.Equal(before, GC.CollectionCount(0));
            GC.KeepAlive(garbage);
        }

        Assert.NotEqual(GCLatencyMode.NoGCRegion, GCSettings.LatencyMode);
    }
}
