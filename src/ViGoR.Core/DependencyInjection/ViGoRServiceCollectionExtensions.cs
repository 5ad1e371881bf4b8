using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ViGoR;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers ViGoR with a service collection.</summary>
public static class ViGoRServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="RejectionSamplingTrainer"/>, its options and the default
    /// <see cref="IRewardCombiner"/> (<see cref="VarianceScaledRewardCombiner"/>), and returns a builder
    /// on which the models are added (<c>UseVisionLanguageModel</c>, <c>UseNounExtractor</c>, ... or an
    /// adapter package's extensions). Options can also be bound from configuration with
    /// <c>services.Configure&lt;RejectionSamplingOptions&gt;(section)</c> and
    /// <c>services.Configure&lt;RewardCombinerOptions&gt;(section)</c>.
    /// </summary>
    /// <remarks>
    /// Resolving the trainer when a model it needs is missing throws an
    /// <see cref="InvalidOperationException"/> that names the missing interface and how to add it.
    /// </remarks>
    public static ViGoRBuilder AddViGoR(this IServiceCollection services, Action<RejectionSamplingOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = services.AddOptions<RejectionSamplingOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        services.AddOptions<RewardCombinerOptions>();
        services.TryAddSingleton<IRewardCombiner>(sp => new VarianceScaledRewardCombiner(sp.GetRequiredService<IOptions<RewardCombinerOptions>>().Value));
        services.TryAddSingleton(CreateTrainer);
        return new ViGoRBuilder(services);
    }

    private static RejectionSamplingTrainer CreateTrainer(IServiceProvider services)
    {
        var options = services.GetRequiredService<IOptions<RejectionSamplingOptions>>().Value;
        var detector = services.GetService<IGroundingDetector>();
        var rewardModel = services.GetService<ISentenceRewardModel>();
        if (options.RewardSources != RewardSources.RewardModel && detector is null)
        {
            throw Missing(nameof(IGroundingDetector), $"reward sources '{options.RewardSources}' use the automatic stream", "UseGroundingDetector(...), UseGroundingDinoOnnx(...) or UseAnnotationGroundingDetector(...)");
        }

        if (options.RewardSources != RewardSources.Automatic && rewardModel is null)
        {
            throw Missing(nameof(ISentenceRewardModel), $"reward sources '{options.RewardSources}' use the reward model", "UseSentenceRewardModel(...) or UseLlavaRewardModel(...)");
        }

        return new RejectionSamplingTrainer(
            services.GetService<IVisionLanguageModel>() ?? throw Missing(nameof(IVisionLanguageModel), "the trainer samples it", "UseVisionLanguageModel(...) or UseLlava(...)"),
            services.GetService<INounExtractor>() ?? throw Missing(nameof(INounExtractor), "the trainer splits sentences and finds nouns with it", "UseNounExtractor(...) or UseWordNetNounExtractor()"),
            services.GetRequiredService<IRewardCombiner>(),
            detector,
            rewardModel,
            options,
            services.GetService<ILogger<RejectionSamplingTrainer>>());
    }

    private static InvalidOperationException Missing(string service, string why, string fix) =>
        new($"ViGoR: no {service} is registered, but {why}. Add one on the builder returned by AddViGoR(): {fix}.");
}
