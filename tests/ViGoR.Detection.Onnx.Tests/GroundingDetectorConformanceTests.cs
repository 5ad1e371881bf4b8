namespace ViGoR.DetectionOnnx.Tests;

/// <summary>What every <see cref="IGroundingDetector"/> promises, run against each implementation here.</summary>
public abstract class GroundingDetectorConformanceTests
{
    protected abstract IGroundingDetector Detector { get; }

    /// <summary>An image the detector knows, and phrases of which at least one is found in it (include two that one box supports, so that Queries is exercised).</summary>
    protected abstract (ImageInput Image, string[] Phrases) Known { get; }

    [Fact]
    public async Task Queries_are_the_callers_phrases_most_probable_first_and_scores_pass_the_threshold()
    {
        var (image, phrases) = Known;
        var options = new GroundingOptions { BoxThreshold = 0.3f };
        var detections = await Detector.DetectAsync(image, phrases, options);

        Assert.NotEmpty(detections);
        Assert.All(detections, d =>
        {
            Assert.True(d.Query is null || phrases.Contains(d.Query), $"query '{d.Query}' is not one of the phrases");
            Assert.All(d.Queries, q => Assert.Contains(q, phrases));
            Assert.Equal(d.Queries.Count, d.Queries.Distinct().Count());
            Assert.Equal(d.Query, d.Queries.Count > 0 ? d.Queries[0] : null);
            Assert.InRange(d.Score, 0.3f, 1f);
            Assert.True(d.Score > options.BoxThreshold);
            Assert.True(d.Box.X2 >= d.Box.X1 && d.Box.Y2 >= d.Box.Y1);
        });
    }

    private sealed class PassThrough(IGroundingDetector inner) : DelegatingGroundingDetector(inner);

    [Fact]
    public async Task A_delegating_wrapper_keeps_batching_the_closed_vocabulary_the_journal_identity_and_the_answers()
    {
        var (image, phrases) = Known;
        var wrapped = new PassThrough(Detector);

        Assert.Equal(Detector.GetService<IBatchGroundingDetector>() is null, wrapped.GetService<IBatchGroundingDetector>() is null);
        Assert.Same(Detector.GetService<IClosedVocabularyDetector>(), wrapped.GetService<IClosedVocabularyDetector>());
        Assert.Equal(ComponentIdentity.Of(Detector), ComponentIdentity.Of(wrapped));
        var alone = await Detector.DetectAsync(image, phrases);
        Assert.Equal(alone, await wrapped.DetectAsync(image, phrases));
        Assert.Equal(alone, (await wrapped.DetectBatchAsync([new GroundingQuery(image, phrases)]))[0]);
    }

    [Fact]
    public async Task No_phrases_no_detections() =>
        Assert.Empty(await Detector.DetectAsync(Known.Image, []));

    [Fact]
    public async Task Concurrent_calls_agree()
    {
        var (image, phrases) = Known;
        var first = await Detector.DetectAsync(image, phrases);
        var all = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() => Detector.DetectAsync(image, phrases))));
        Assert.All(all, r => Assert.Equal(first, r));
    }

    [Fact]
    public async Task A_cancelled_token_cancels()
    {
        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Detector.DetectAsync(Known.Image, Known.Phrases, cancellationToken: cts.Token));
    }
}

public sealed class GroundingDinoConformanceTests : GroundingDetectorConformanceTests, IDisposable
{
    private readonly GroundingDinoDetector _detector = new(new GroundingDinoOptions { ModelPath = Fixtures.HfModel });

    protected override IGroundingDetector Detector => _detector;

    protected override (ImageInput Image, string[] Phrases) Known => (Fixtures.Image(64, 48), ["cat", "dog", "remote", "control"]);

    public void Dispose() => _detector.Dispose();
}

public sealed class AnnotationConformanceTests : GroundingDetectorConformanceTests
{
    private readonly AnnotationGroundingDetector _detector = AnnotationGroundingDetector.Load(Fixtures.Path("annotations", "instances_tiny.json"));

    protected override IGroundingDetector Detector => _detector;

    protected override (ImageInput Image, string[] Phrases) Known => (ImageInput.FromId("139"), ["person", "chair", "dog", "man"]);
}
