using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ViGoR;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers ViGoR with a service collection.</summary>
public static class ViGoRServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="RejectionSamplingTrainer"/>, its options, the default
    /// <see cref="IRewardCombiner"/> (<see cref="LinearRewardCombiner"/>) and the factories of the
    /// built-in streams (<see cref="IRewardStreamFactory"/>: <c>automatic</c>, <c>reward_model</c>,
    /// <c>vqa</c>), and returns a builder on which the models are added (<c>UseVisionLanguageModel</c>,
    /// <c>UseNounExtractor</c>, ... or an adapter package's extensions) and the reward streams
    /// (<c>UseViGoRAll()</c>, <c>AddAutomaticStream(...)</c>, <c>AddRewardModelStream(...)</c>,
    /// <c>AddRewardStream(...)</c>). Options can also be bound from configuration with
    /// <c>services.Configure&lt;RejectionSamplingOptions&gt;(section)</c>,
    /// <c>services.Configure&lt;RewardCombinerOptions&gt;(section)</c> and each stream's named options.
    /// </summary>
    /// <remarks>
    /// The trainer scores with exactly the streams added on the builder. The compatibility settings of
    /// <see cref="RejectionSamplingOptions"/> (<see cref="RejectionSamplingOptions.Automatic"/>,
    /// <see cref="RejectionSamplingOptions.RewardGranularity"/>, ...) are the defaults of the built-in
    /// streams' named options, which each stream's own configuration then overrides. When none is added it uses
    /// ViGoR-All, the paper's method; <see cref="RejectionSamplingOptions.RewardSources"/>, when set,
    /// is the compatibility path that adds that preset's streams in front of the added ones. Resolving
    /// the trainer builds only the models its streams use (a registered detector is not loaded for
    /// ViGoR-RM). When a model a stream needs is missing it throws an
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

        // The compatibility settings are the defaults of the built-in streams' named options, so a flag
        // or configuration written for RewardSources reaches the same stream added by name or preset.
        services.AddOptions<AutomaticStreamOptions>(RewardStreams.Automatic).Configure<IOptions<RejectionSamplingOptions>>((o, run) =>
        {
            var automatic = run.Value.Automatic;
            o.Grounding = new GroundingOptions { BoxThreshold = automatic.Grounding.BoxThreshold, TextThreshold = automatic.Grounding.TextThreshold };
            o.CheckCounts = automatic.CheckCounts;
        });
        services.AddOptions<RewardModelStreamOptions>(RewardStreams.RewardModel).Configure<IOptions<RejectionSamplingOptions>>((o, run) =>
        {
            o.Granularity = run.Value.RewardGranularity;
            o.Signal = run.Value.RewardSignal;
            o.DropObjectHallucinations = run.Value.DropRewardModelHallucinations;
        });
        services.AddOptions<RewardCombinerOptions>();
        services.TryAddSingleton<IRewardCombiner>(sp => new LinearRewardCombiner(sp.GetRequiredService<IOptions<RewardCombinerOptions>>().Value));
        services.TryAddSingleton(CreateTrainer);
        var builder = new ViGoRBuilder(services);
        foreach (var factory in BuiltInStreams.Factories)
        {
            if (!services.Any(d => d.ServiceType == typeof(IRewardStreamFactory) && d.ImplementationInstance == factory))
            {
                builder.AddRewardStreamFactory(factory);
            }
        }

        return builder;
    }

    private static RejectionSamplingTrainer CreateTrainer(IServiceProvider services)
    {
        var options = services.GetRequiredService<IOptions<RejectionSamplingOptions>>().Value;

        // The streams first: a stream that cannot be made fails before any model is loaded.
        var added = services.GetServices<IRewardStream>().ToList();
        var preset = options.RewardSources ?? (added.Count == 0 ? RewardSources.Both : RewardSources.None);
        var why = options.RewardSources is { } sources ? $"reward sources '{sources}' use the" : "with no stream added, the trainer uses ViGoR-All, whose";
        if (preset == RewardSources.None && added.Count == 0)
        {
            throw BuiltInStreams.Missing(nameof(IRewardStream), "reward sources 'None' use only the streams added on the builder", "UseViGoRAll(), AddAutomaticStream(...), AddRewardModelStream(...) or AddRewardStream(...)");
        }

        var detector = preset is RewardSources.Both or RewardSources.Automatic
            ? BuiltInStreams.Require<IGroundingDetector>(services, $"{why} automatic stream asks it", "UseGroundingDetector(...), UseGroundingDinoOnnx(...) or UseAnnotationGroundingDetector(...)")
            : null;
        var rewardModel = preset is RewardSources.Both or RewardSources.RewardModel
            ? BuiltInStreams.Require<ISentenceRewardModel>(services, $"{why} reward-model stream asks it", "UseSentenceRewardModel(...), UseRecordedJudgements(...) or UseLlavaRewardModel(...)")
            : null;
        IReadOnlyList<IRewardStream> streams = [.. RewardStreams.ForSources(preset, detector, rewardModel, options), .. added];

        return new RejectionSamplingTrainer(
            BuiltInStreams.Require<IVisionLanguageModel>(services, "the trainer samples it", "UseVisionLanguageModel(...) or UseLlava(...)"),
            BuiltInStreams.Require<INounExtractor>(services, "the trainer splits sentences and finds nouns with it", "UseNounExtractor(...) or UseWordNetNounExtractor()"),
            streams,
            services.GetRequiredService<IRewardCombiner>(),
            options,
            services.GetService<ILogger<RejectionSamplingTrainer>>());
    }
}
