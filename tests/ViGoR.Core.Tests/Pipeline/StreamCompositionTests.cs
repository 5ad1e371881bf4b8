using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using ViGoR.Core.Tests.Fakes;

namespace ViGoR.Core.Tests.Pipeline;

/// <summary>Streams are the only concept: each added with its own options, presets over them, by name through factories.</summary>
public sealed class StreamCompositionTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("vigor-streams-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static readonly string[] Texts = ["A dog sits on a bench. A cat sleeps.", "A dog sits on a bench.", "Two cats play."];

    private static ViGoRBuilder Builder(ServiceCollection services, Action<RejectionSamplingOptions>? configure = null, RecordingDetector? detector = null, string[]? texts = null) =>
        services.AddViGoR(o =>
            {
                o.Sampling.NumSamples = Texts.Length;
                configure?.Invoke(o);
            })
            .UseVisionLanguageModel(new FakeVisionLanguageModel((_, _) => texts ?? Texts))
            .UseNounExtractor(new FakeNounExtractor())
            .UseGroundingDetector(detector ?? new RecordingDetector())
            .UseSentenceRewardModel(new FakeRewardModel(s => s.Contains("cat", StringComparison.Ordinal) ? -1 : 1));

    private static TrainingItem Item(string id = "img1") => new(ImageInput.FromId(id), "Describe.");

    /// <summary>Finds dogs and benches, never cats; records the options of every call.</summary>
    private sealed class RecordingDetector() : DelegatingGroundingDetector(new FakeDetector(_ => new HashSet<string> { "dog", "bench" }))
    {
        public List<GroundingOptions?> Options { get; } = [];

        public override Task<IReadOnlyList<Detection>> DetectAsync(ImageInput image, IReadOnlyList<string> phrases, GroundingOptions? options = null, CancellationToken cancellationToken = default)
        {
            Options.Add(options);
            return base.DetectAsync(image, phrases, options, cancellationToken);
        }
    }

    /// <summary>A stream of the caller's: drops sentences with <see cref="Word"/>, with nested evidence.</summary>
    private sealed class WordStream(WordStreamOptions options, INounExtractor nouns) : IRewardStream
    {
        public INounExtractor Nouns { get; } = nouns;

        public string Name => "word";

        public IReadOnlyDictionary<string, string> Settings { get; } = new Dictionary<string, string> { ["word"] = options.Word };

        public Task<IReadOnlyList<StreamScore>> ScoreAsync(RewardStreamInput input, CancellationToken cancellationToken = default) =>
            Task.FromResult<IReadOnlyList<StreamScore>>(input.Samples
                .Select(sample => StreamScore.Sum(sample.Sentences
                    .Select(s => s.Text.Contains(options.Word, StringComparison.Ordinal)
                        ? new SentenceSignal
                        {
                            Penalty = 1,
                            Drop = [$"says {options.Word}"],
                            Evidence = new Dictionary<string, JsonElement>
                            {
                                ["hit"] = JsonSerializer.SerializeToElement(new { word = options.Word, at = s.Text.IndexOf(options.Word, StringComparison.Ordinal), tags = new[] { "a", "b" } }),
                            },
                        }
                        : null)
                    .ToList()))
                .ToList());
    }

    private sealed class WordStreamOptions
    {
        public string Word { get; set; } = "dog";
    }

    private static RejectionSamplingTrainer Trainer(ServiceProvider provider) => provider.GetRequiredService<RejectionSamplingTrainer>();

    [Fact]
    public async Task Each_builtin_stream_is_added_with_its_own_options_and_the_trainer_uses_exactly_the_streams_added()
    {
        var detector = new RecordingDetector();
        var services = new ServiceCollection();
        Builder(services, detector: detector).AddAutomaticStream(o =>
        {
            o.Grounding.BoxThreshold = 0.3f;
            o.CheckCounts = true;
        });
        await using var provider = services.BuildServiceProvider();

        var trainer = Trainer(provider);
        await trainer.ScoreImageAsync(Item());

        Assert.Equal([RewardStreams.Automatic], trainer.Streams.Select(s => s.Name)); // no reward model, though one is registered
        Assert.Equal(0.3f, Assert.Single(detector.Options)!.BoxThreshold);
        Assert.Equal("0.3", trainer.ScoresHeader().Settings["automatic.box_threshold"]);
        Assert.Equal("true", trainer.ScoresHeader().Settings["automatic.check_counts"]);
    }

    [Fact]
    public void A_stream_of_the_callers_alone_needs_no_detector_and_gets_its_options_and_services()
    {
        var services = new ServiceCollection();
        services.AddViGoR()
            .UseVisionLanguageModel(new FakeVisionLanguageModel((_, _) => Texts))
            .UseNounExtractor(new FakeNounExtractor())
            .AddRewardStream<WordStream, WordStreamOptions>(o => o.Word = "cat");
        using var provider = services.BuildServiceProvider();

        var trainer = Trainer(provider);

        var stream = Assert.IsType<WordStream>(Assert.Single(trainer.Streams));
        Assert.Equal("cat", stream.Settings["word"]);
        Assert.Same(provider.GetRequiredService<INounExtractor>(), stream.Nouns);
    }

    [Theory]
    [InlineData(RewardSources.Automatic)]
    [InlineData(RewardSources.RewardModel)]
    [InlineData(RewardSources.Both)]
    public void The_presets_are_the_streams_and_their_headers_equal_the_compatibility_paths(RewardSources sources)
    {
        var presets = new ServiceCollection();
        var builder = Builder(presets);
        _ = sources switch
        {
            RewardSources.Automatic => builder.UseViGoRAutomatic(),
            RewardSources.RewardModel => builder.UseViGoRRewardModel(),
            _ => builder.UseViGoRAll(),
        };
        var compatibility = new ServiceCollection();
        Builder(compatibility, o => o.RewardSources = sources);
        using var a = presets.BuildServiceProvider();
        using var b = compatibility.BuildServiceProvider();

        var preset = Trainer(a).ScoresHeader().Settings;
        var compatible = Trainer(b).ScoresHeader().Settings;

        Assert.Equal(sources == RewardSources.Both ? "automatic,reward_model" : sources == RewardSources.Automatic ? "automatic" : "reward_model", preset["streams"]);
        Assert.Equal(compatible, preset); // a journal written either way resumes the other way
    }

    [Fact]
    public void The_holistic_ablation_is_the_reward_model_preset_with_its_option()
    {
        var services = new ServiceCollection();
        Builder(services).UseViGoRRewardModel(o => o.Granularity = RewardGranularity.Holistic);
        using var provider = services.BuildServiceProvider();

        // The fake judges sentences only: the stream's own check refuses it, so the option reached the stream.
        var error = Assert.Throws<ArgumentException>(() => Trainer(provider));
        Assert.Contains("Holistic", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Streams_are_made_by_name_with_text_settings_through_the_registered_factories()
    {
        var services = new ServiceCollection();
        Builder(services)
            .AddRewardStream(RewardStreamSpec.Parse("automatic: box_threshold=0.3, check_counts=true"))
            .AddRewardStream(RewardStreamSpec.Parse("reward-model:signal=expected"))
            .AddRewardStreamFactory(new RewardStreamFactory("word", new Dictionary<string, string> { ["word"] = "the word to drop" }, (sp, s) => new WordStream(new WordStreamOptions { Word = s.GetValueOrDefault("word", "dog") }, sp.GetRequiredService<INounExtractor>())))
            .AddRewardStream(RewardStreamSpec.Parse("word:word=bench"));
        using var provider = services.BuildServiceProvider();

        var settings = Trainer(provider).ScoresHeader().Settings;

        Assert.Equal("automatic,reward_model,word", settings["streams"]);
        Assert.Equal("0.3", settings["automatic.box_threshold"]);
        Assert.Equal("true", settings["automatic.check_counts"]);
        Assert.Equal("expected", settings["reward_model.signal"]);
        Assert.Equal("bench", settings["word.word"]);
    }

    [Theory]
    [InlineData("clip", "Unknown reward stream 'clip' in 'clip'; known streams: automatic, reward_model, vqa.")]
    [InlineData("automatic:box=0.3", "Unknown setting 'box' for reward stream 'automatic' in 'automatic:box=0.3'; known keys: box_threshold (")]
    [InlineData("automatic:box_threshold=high", "Reward stream 'automatic:box_threshold=high': box_threshold=high: expected a number.")]
    [InlineData("reward_model:signal=mean", "Reward stream 'reward_model:signal=mean': signal=mean: expected one of label, expected.")]
    [InlineData("vqa:drop_on_no=maybe", "Reward stream 'vqa:drop_on_no=maybe': drop_on_no=maybe: expected true or false.")]
    public void A_stream_asked_for_wrongly_is_an_error_that_names_it_and_lists_what_is_known(string spec, string message)
    {
        var services = new ServiceCollection();
        Builder(services).UseVisualQuestionAnswerer(_ => new NoAnswerer()).AddRewardStream(RewardStreamSpec.Parse(spec));
        using var provider = services.BuildServiceProvider();

        var error = Assert.Throws<ArgumentException>(() => Trainer(provider));

        Assert.StartsWith(message, error.Message, StringComparison.Ordinal);
    }

    private sealed class NoAnswerer : IVisualQuestionAnswerer
    {
        public Task<IReadOnlyList<double>> ProbabilityOfYesAsync(ImageInput image, IReadOnlyList<string> questions, CancellationToken cancellationToken = default) =>
            Task.FromResult<IReadOnlyList<double>>(questions.Select(_ => 0.0).ToList());
    }

    [Theory]
    [InlineData("vqa", "vqa", "")]
    [InlineData(" automatic : box_threshold = 0.3 , check_counts=true ", "automatic", "box_threshold=0.3,check_counts=true")]
    public void A_spec_reads_a_name_and_settings(string text, string name, string settings)
    {
        var spec = RewardStreamSpec.Parse(text);

        Assert.Equal(name, spec.Name);
        Assert.Equal(settings, string.Join(",", spec.Settings.Select(p => $"{p.Key}={p.Value}")));
        Assert.Equal(spec, RewardStreamSpec.Parse(spec.ToString()) with { Settings = spec.Settings });
    }

    [Theory]
    [InlineData("")]
    [InlineData(":a=1")]
    [InlineData("automatic:box_threshold")]
    [InlineData("automatic:a=1,a=2")]
    public void A_malformed_spec_is_refused(string text) => Assert.Throws<FormatException>(() => RewardStreamSpec.Parse(text));

    [Fact]
    public async Task Any_streams_drop_is_refined_away_with_each_streams_reasons_and_its_evidence_reads_back_as_written()
    {
        var services = new ServiceCollection();
        Builder(services, o => o.Sampling.NumSamples = 1, texts: ["A dog sits on a bench. A cat sleeps. A bench and a cat. A dog barks."])
            .UseViGoRAutomatic()
            .AddRewardStream<WordStream, WordStreamOptions>(o => o.Word = "bench");
        await using var provider = services.BuildServiceProvider();

        await Trainer(provider).GenerateSupervisionAsync([Item()], _folder);

        var (header, records) = SupervisionJournal.ReadAll(Path.Combine(_folder, RejectionSamplingTrainer.SupervisionFileName));
        var record = Assert.Single(records);
        Assert.Equal("A dog barks.", record.Target);
        Assert.Equal(
            ["word: says bench", "automatic: cat", "automatic: cat; word: says bench"],
            record.Dropped.Select(d => d.DescribeReasons()));
        Assert.Equal([0, 1, 2], record.Dropped.Select(d => d.SentenceIndex));
        Assert.Empty(record.Dropped[0].MissingObjects); // only the word stream dropped it
        Assert.Equal(["cat"], record.Dropped[2].MissingObjects);
        Assert.Equal("bench", header!.Settings["word.word"]);

        var signal = record.Samples[0].Sentences[0].Signals["word"];
        Assert.Equal("""{"word":"bench","at":16,"tags":["a","b"]}""", signal.Evidence!["hit"].GetRawText());
        Assert.Equal(["says bench"], signal.Drop);
    }
}
