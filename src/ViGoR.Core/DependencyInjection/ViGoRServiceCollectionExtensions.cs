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
    /// <see cref="IRewardCombiner"/> (<see cref="LinearRewardCombiner"/>), and returns a builder
    /// on which the models are added (<c>UseVisionLanguageModel</c>, <c>UseNounExtractor</c>, ... or an
    /// adapter package's extensions) and further reward streams (<c>AddRewardStream</c>). Options can
    /// also be bound from configuration with <c>services.Configure&lt;RejectionSamplingOptions&gt;(section)</c>
    /// and <c>services.Configure&lt;RewardCombinerOptions&gt;(section)</c>.
    /// </summary>
    /// <remarks>
    /// Resolving the trainer builds only the models its reward sources use (a registered detector is
    /// not loaded for ViGoR-RM). When a model it needs is missing it throws an
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
        services.TryAddSingleton<IRewardCombiner>(sp => new LinearRewardCombiner(sp.GetRequiredService<IOptions<RewardCombinerOptions>>().Value));
        services.TryAddSingleton(CreateTrainer);
        return new ViGoRBuilder(services);
    }

    private static RejectionSamplingTrainer CreateTrainer(IServiceProvider services)
    {
        var options = services.GetRequiredService<IOptions<RejectionSamplingOptions>>().Value;
        var sources = options.RewardSources;
        IGroundingDetector? detector = null;
        ISentenceRewardModel? rewardModel = null;
        if (sources is RewardSources.Both or RewardSources.Automatic)
        {
            detector = services.GetService<IGroundingDetector>()
                ?? throw Missing(nameof(IGroundingDetector), $"reward sources '{sources}' use the automatic stream", "UseGroundingDetector(...), UseGroundingDinoOnnx(...) or UseAnnotationGroundingDetector(...)");
        }

        if (sources is RewardSources.Both or RewardSources.RewardModel)
        {
            rewardModel = services.GetService<ISentenceRewardModel>()
                ?? throw Missing(nameof(ISentenceRewardModel), $"reward sources '{sources}' use the reward model", "UseSentenceRewardModel(...), UseRecordedJudgements(...) or UseLlavaRewardModel(...)");
        }

        var additional = services.GetServices<IRewardStream>().ToList();
        if (sources == RewardSources.None && additional.Count == 0)
        {
            throw Missing(nameof(IRewardStream), "reward sources 'None' use only the streams added with AddRewardStream", "AddRewardStream(...)");
        }

        return new RejectionSamplingTrainer(
            services.GetService<IVisionLanguageModel>() ?? throw Missing(nameof(IVisionLanguageModel), "the trainer samples it", "UseVisionLanguageModel(...) or UseLlava(...)"),
            services.GetService<INounExtractor>() ?? throw Missing(nameof(INounExtractor), "the trainer splits sentences and finds nouns with it", "UseNounExtractor(...) or UseWordNetNounExtractor()"),
            services.GetRequiredService<IRewardCombiner>(),
            detector,
            rewardModel,
            options,
            services.GetService<ILogger<RejectionSamplingTrainer>>(),
            additional);
    }

    private static InvalidOperationException Missing(string service, string why, string fix) =>
        new($"ViGoR: no {service} is registered, but {why}. Add one on the builder returned by AddViGoR(): {fix}.");
}
