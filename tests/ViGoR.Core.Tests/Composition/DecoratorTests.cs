using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ViGoR.Core.Tests.Fakes;

namespace ViGoR.Core.Tests.Composition;

/// <summary>The shipped decorators and the builder's Use: what each adds, and that it keeps what it wraps.</summary>
public class DecoratorTests
{
    private static readonly ImageInput Image = ImageInput.FromPixels(new RgbImage("img1", 40, 20, new byte[40 * 20 * 3]));

    private static async Task<ParsedText> Parse(string text) => await new FakeNounExtractor().ExtractAsync(text);

    private sealed class Tagging(IGroundingDetector inner, string tag, List<string> order) : DelegatingGroundingDetector(inner)
    {
        public string Tag => tag;

        public override Task<IReadOnlyList<Detection>> DetectAsync(ImageInput image, IReadOnlyList<string> phrases, GroundingOptions? options = null, CancellationToken cancellationToken = default)
        {
            order.Add(tag);
            return base.DetectAsync(image, phrases, options, cancellationToken);
        }
    }

    [Fact]
    public async Task The_caching_reward_model_judges_an_unchanged_description_once_and_a_batch_asks_only_for_the_new_ones()
    {
        var inner = new FakeRewardModel(text => text.Contains("cat", StringComparison.Ordinal) ? -1 : 1);
        var cached = new CachingSentenceRewardModel(inner);
        var first = await Parse("A dog sits. A cat sleeps.");
        var second = await Parse("A dog sits.");

        var judged = await cached.JudgeAsync(Image, "Describe.", first);
        var again = await cached.JudgeAsync(Image, "Describe.", first);
        var batch = await cached.JudgeBatchAsync([new SentenceRewardRequest(Image, "Describe.", first), new SentenceRewardRequest(Image, "Describe.", second)]);
        var otherPrompt = await cached.JudgeAsync(Image, "Other.", first);

        Assert.Equal(3, inner.Calls); // first, the batch's second description (image by image: the fake does not batch), the other prompt
        Assert.Equal(judged, again);
        Assert.Equal(judged, batch[0]);
        Assert.Equal([1.0], batch[1].Select(j => j.Score));
        Assert.Equal(judged, otherPrompt);
        Assert.Equal(2, cached.Hits);
        Assert.Equal(ComponentIdentity.Of(inner), ComponentIdentity.Of(cached));
    }

    [Fact]
    public async Task The_caching_detector_asks_once_per_image_phrases_and_thresholds()
    {
        var inner = new FakeDetector(_ => new HashSet<string> { "dog" });
        var cached = new CachingGroundingDetector(inner);

        var found = await cached.DetectAsync(Image, ["dog", "cat"]);
        await cached.DetectAsync(Image, ["dog", "cat"]);
        var batch = await cached.DetectBatchAsync([new GroundingQuery(Image, ["dog", "cat"]), new GroundingQuery(Image, ["cat", "dog"])]);
        await cached.DetectAsync(Image, ["dog", "cat"], new GroundingOptions { BoxThreshold = 0.5f });

        Assert.Equal(3, inner.Calls.Count); // the order of phrases and the thresholds are part of the question
        Assert.Equal(found, batch[0]);
        Assert.Equal(found, batch[1]);
        Assert.Equal(2, cached.Hits);
    }

    [Fact]
    public async Task The_noisy_detector_misses_and_false_alarms_at_its_rates_reproducibly_and_names_its_noise()
    {
        var phrases = Enumerable.Range(0, 400).Select(i => $"thing{i}").ToList();
        var present = phrases.Take(200).ToHashSet();
        var inner = new FakeDetector(_ => present);

        var noisy = new NoisyGroundingDetector(inner, new NoisyDetectorOptions { MissRate = 0.25, FalseAlarmRate = 0.1, Seed = 3 });
        var found = (await noisy.DetectAsync(Image, phrases)).Select(d => d.Query!).ToList();
        var again = (await new NoisyGroundingDetector(inner, new NoisyDetectorOptions { MissRate = 0.25, FalseAlarmRate = 0.1, Seed = 3 }).DetectAsync(Image, phrases)).Select(d => d.Query!).ToList();
        var reseeded = (await new NoisyGroundingDetector(inner, new NoisyDetectorOptions { MissRate = 0.25, FalseAlarmRate = 0.1, Seed = 4 }).DetectAsync(Image, phrases)).Select(d => d.Query!).ToList();

        Assert.Equal(found, again);
        Assert.NotEqual(found, reseeded);
        Assert.InRange(found.Count(present.Contains), 130, 170); // 200 x 0.75
        Assert.InRange(found.Count(p => !present.Contains(p)), 8, 32); // 200 x 0.1
        Assert.All((await noisy.DetectAsync(Image, phrases)).Where(d => !present.Contains(d.Query!)), d => Assert.True(d.Box.X2 <= 40 && d.Box.Y2 <= 20));
        Assert.Equal($"{ComponentIdentity.Of(inner)}+noise(miss=0.25,false_alarm=0.1,seed=3)", ComponentIdentity.Of(noisy));
        Assert.Throws<ArgumentOutOfRangeException>(() => new NoisyGroundingDetector(inner, new NoisyDetectorOptions { MissRate = 1.5 }));
    }

    [Fact]
    public async Task The_logging_detector_logs_each_call_at_debug()
    {
        var logger = new ListLogger<LoggingGroundingDetector>();
        var logging = new LoggingGroundingDetector(new FakeDetector(_ => new HashSet<string> { "dog" }), logger);

        await logging.DetectAsync(Image, ["dog", "cat"]);

        var entry = Assert.Single(logger.Lines);
        Assert.Equal(LogLevel.Debug, entry.Level);
        Assert.StartsWith("Detector: image img1, 2 phrase(s), 1 detection(s) in ", entry.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_builders_first_Use_is_outermost_and_applies_to_a_component_registered_after_it()
    {
        var order = new List<string>();
        var services = new ServiceCollection();
        services.AddViGoR()
            .Use<IGroundingDetector>(inner => new Tagging(inner, "outer", order))
            .Use<IGroundingDetector>((inner, _) => new Tagging(inner, "inner", order))
            .UseGroundingDetector(new FakeDetector(_ => new HashSet<string>()));
        using var provider = services.BuildServiceProvider();

        var detector = provider.GetRequiredService<IGroundingDetector>();
        await detector.DetectAsync(Image, ["dog"]);

        Assert.Equal("outer", Assert.IsType<Tagging>(detector).Tag);
        Assert.Equal(["outer", "inner"], order);
        Assert.Equal(typeof(FakeDetector).FullName, ComponentIdentity.Of(detector));
        Assert.Throws<ArgumentException>(() => services.AddViGoR().Use<IBatchGroundingDetector>(inner => inner));
    }
}
