using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using ViGoR.Core.Tests.Fakes;

namespace ViGoR.Core.Tests.Pipeline;

public class DependencyInjectionTests
{
    [Fact]
    public void Every_interface_and_the_trainer_resolve_as_singletons()
    {
        var services = new ServiceCollection();
        var model = new FakeVisionLanguageModel((_, _) => []);
        var nouns = new FakeNounExtractor();
        var judge = new FakeRewardModel(_ => 1);
        services.AddViGoR(o => o.Sampling.NumSamples = 3)
            .UseVisionLanguageModel(model)
            .UseNounExtractor(nouns)
            .UseGroundingDetector(_ => new FakeDetector(_ => new HashSet<string>()))
            .UseSentenceRewardModel(judge);
        using var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true, ValidateOnBuild = true });

        var trainer = provider.GetRequiredService<RejectionSamplingTrainer>();

        Assert.Same(trainer, provider.GetRequiredService<RejectionSamplingTrainer>());
        Assert.Equal(3, trainer.Options.Sampling.NumSamples);
        Assert.IsType<LinearRewardCombiner>(provider.GetRequiredService<IRewardCombiner>());
        Assert.Same(model, provider.GetRequiredService<IVisionLanguageModel>());
        Assert.Same(nouns, provider.GetRequiredService<INounExtractor>());
        Assert.Same(judge, provider.GetRequiredService<ISentenceRewardModel>());
        var detector = Assert.IsType<FakeDetector>(provider.GetRequiredService<IGroundingDetector>()); // made once by its factory
        Assert.Same(detector, provider.GetRequiredService<IGroundingDetector>());
    }

    [Fact]
    public void A_missing_adapter_is_a_clear_error_naming_it()
    {
        var services = new ServiceCollection();
        services.AddViGoR()
            .UseVisionLanguageModel(new FakeVisionLanguageModel((_, _) => []))
            .UseNounExtractor(new FakeNounExtractor())
            .UseSentenceRewardModel(new FakeRewardModel(_ => 1));
        using var provider = services.BuildServiceProvider();

        var error = Assert.Throws<InvalidOperationException>(provider.GetRequiredService<RejectionSamplingTrainer>);

        Assert.Contains(nameof(IGroundingDetector), error.Message);
        Assert.Contains("UseGroundingDetector", error.Message);
    }

    [Fact]
    public async Task Combiner_options_bound_through_IOptions_reach_the_trainers_selection()
    {
        // Raw totals: sample 0 (automatic 1) vs sample 1 (reward model 1): a weight of 2 on the reward
        // model must make sample 0 win, and only the combiner the trainer uses can show that.
        var services = new ServiceCollection();
        services.AddViGoR(o =>
            {
                o.RewardSources = RewardSources.Both;
                o.Sampling.NumSamples = 2;
            })
            .UseVisionLanguageModel(new FakeVisionLanguageModel((_, _) => ["A dog.", "A cat."]))
            .UseNounExtractor(new FakeNounExtractor())
            .UseGroundingDetector(new FakeDetector(_ => new HashSet<string> { "cat" }))
            .UseSentenceRewardModel(new FakeRewardModel(s => s.Contains("cat", StringComparison.Ordinal) ? -1 : 0));
        services.Configure<RewardCombinerOptions>(o =>
        {
            o.Normalization = RewardNormalization.None;
            o.Weights[RewardStreams.RewardModel] = 2;
        });
        using var provider = services.BuildServiceProvider();
        var trainer = provider.GetRequiredService<RejectionSamplingTrainer>();

        var scored = await trainer.ScoreImageAsync(new TrainingItem(ImageInput.FromId("img"), "Describe."));
        var record = trainer.Select([scored]).Records[0];

        Assert.Equal(0, record.Chosen);
        Assert.Equal([1.0, 2.0], record.Samples.Select(s => s.CombinedPenalty!.Value));
    }

    [Fact]
    public void Only_the_models_the_chosen_sources_use_are_built()
    {
        var built = new List<string>();
        var services = new ServiceCollection();
        services.AddViGoR(o => o.RewardSources = RewardSources.Automatic)
            .UseVisionLanguageModel(new FakeVisionLanguageModel((_, _) => []))
            .UseNounExtractor(new FakeNounExtractor())
            .UseGroundingDetector(_ =>
            {
                built.Add("detector");
                return new FakeDetector(_ => new HashSet<string>());
            })
            .UseSentenceRewardModel(_ =>
            {
                built.Add("reward model");
                return new FakeRewardModel(_ => 1);
            });
        using var provider = services.BuildServiceProvider();

        var trainer = provider.GetRequiredService<RejectionSamplingTrainer>();

        Assert.Equal(["detector"], built);
        Assert.Equal([RewardStreams.Automatic], trainer.Streams.Select(s => s.Name));
    }

    [Fact]
    public void Added_reward_streams_join_the_preset()
    {
        var services = new ServiceCollection();
        services.AddViGoR(o => o.RewardSources = RewardSources.RewardModel)
            .UseVisionLanguageModel(new FakeVisionLanguageModel((_, _) => []))
            .UseNounExtractor(new FakeNounExtractor())
            .UseSentenceRewardModel(new FakeRewardModel(_ => 1))
            .AddRewardStream(new AutomaticRewardStream(new FakeDetector(_ => new HashSet<string>())));
        using var provider = services.BuildServiceProvider();

        Assert.Equal([RewardStreams.RewardModel, RewardStreams.Automatic], provider.GetRequiredService<RejectionSamplingTrainer>().Streams.Select(s => s.Name));
    }

    [Fact]
    public void Use_replaces_an_earlier_registration()
    {
        var services = new ServiceCollection();
        var second = new FakeNounExtractor();
        services.AddViGoR().UseNounExtractor(new FakeNounExtractor()).UseNounExtractor(second);
        using var provider = services.BuildServiceProvider();

        Assert.Same(second, provider.GetRequiredService<INounExtractor>());
        Assert.Single(services, d => d.ServiceType == typeof(INounExtractor) && !d.IsKeyedService); // the component inside its wrappers
        Assert.Single(services, d => d.ServiceType == typeof(INounExtractor) && d.IsKeyedService); // the component itself
    }
}
