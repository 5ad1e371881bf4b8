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
        services.AddViGoR(o => o.Sampling.NumSamples = 3)
            .UseVisionLanguageModel(new FakeVisionLanguageModel((_, _) => []))
            .UseNounExtractor(new FakeNounExtractor())
            .UseGroundingDetector(_ => new FakeDetector(_ => new HashSet<string>()))
            .UseSentenceRewardModel(new FakeRewardModel(_ => 1));
        using var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true, ValidateOnBuild = true });

        var trainer = provider.GetRequiredService<RejectionSamplingTrainer>();

        Assert.Same(trainer, provider.GetRequiredService<RejectionSamplingTrainer>());
        Assert.Equal(3, trainer.Options.Sampling.NumSamples);
        Assert.IsType<VarianceScaledRewardCombiner>(provider.GetRequiredService<IRewardCombiner>());
        Assert.NotNull(provider.GetRequiredService<IVisionLanguageModel>());
        Assert.NotNull(provider.GetRequiredService<INounExtractor>());
        Assert.NotNull(provider.GetRequiredService<IGroundingDetector>());
        Assert.NotNull(provider.GetRequiredService<ISentenceRewardModel>());
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
    public void Automatic_only_needs_no_reward_model_and_options_bind_through_IOptions()
    {
        var services = new ServiceCollection();
        services.AddViGoR(o => o.RewardSources = RewardSources.Automatic)
            .UseVisionLanguageModel(new FakeVisionLanguageModel((_, _) => []))
            .UseNounExtractor(new FakeNounExtractor())
            .UseGroundingDetector(new FakeDetector(_ => new HashSet<string>()));
        services.Configure<RewardCombinerOptions>(o => o.WindowSize = 10);
        using var provider = services.BuildServiceProvider();

        Assert.NotNull(provider.GetRequiredService<RejectionSamplingTrainer>());
        Assert.Equal(10, provider.GetRequiredService<IOptions<RewardCombinerOptions>>().Value.WindowSize);
    }

    [Fact]
    public void Use_replaces_an_earlier_registration()
    {
        var services = new ServiceCollection();
        var second = new FakeNounExtractor();
        services.AddViGoR().UseNounExtractor(new FakeNounExtractor()).UseNounExtractor(second);
        using var provider = services.BuildServiceProvider();

        Assert.Same(second, provider.GetRequiredService<INounExtractor>());
        Assert.Single(services, d => d.ServiceType == typeof(INounExtractor));
    }
}
