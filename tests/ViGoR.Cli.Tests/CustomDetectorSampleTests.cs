using System.Reflection;

namespace ViGoR.Cli.Tests;

/// <summary>The researcher's sample (samples/ViGoR.Samples.CustomDetector) keeps building and runs its custom detector through the pipeline.</summary>
public sealed class CustomDetectorSampleTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("vigor-sample-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task The_custom_detector_decides_what_is_dropped()
    {
        var entry = Assembly.Load("ViGoR.Samples.CustomDetector").EntryPoint!;

        var result = entry.Invoke(null, [new[] { _folder }]);
        if (result is Task task)
        {
            await task;
        }

        var (header, records) = SupervisionJournal.ReadAll(Path.Combine(_folder, "round-0", "supervision.jsonl"));
        Assert.StartsWith("caption-mentions:", header!.Settings["automatic.detector"], StringComparison.Ordinal);
        Assert.Equal(["000000081552.jpg", "000000165257.jpg", "000000457882.jpg"], records.Select(r => r.ImageId));

        // The human captions of 457882 say "woman", "girl" and "people" but never "person": the
        // caption detector (unlike the ground-truth boxes) judges the person missing.
        var dropped = Assert.Single(records[2].Dropped);
        Assert.Equal(["person"], dropped.MissingObjects);
    }
}
