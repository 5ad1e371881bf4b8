using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace ViGoR;

/// <summary>
/// Returned by <c>services.AddViGoR()</c>: registers the models the trainer composes. Each
/// <c>Use*</c> call replaces an earlier registration of the same interface. Adapter packages add
/// extension methods on this type that call these (e.g. <c>UseGroundingDinoOnnx</c>).
/// </summary>
public sealed class ViGoRBuilder
{
    internal ViGoRBuilder(IServiceCollection services) => Services = services;

    /// <summary>The service collection being configured.</summary>
    public IServiceCollection Services { get; }

    /// <summary>Registers the LVLM that is sampled (and fine-tuned, if it implements <see cref="IFineTunableVisionLanguageModel"/>).</summary>
    public ViGoRBuilder UseVisionLanguageModel(Func<IServiceProvider, IVisionLanguageModel> factory) => Replace(factory);

    /// <summary>Registers an LVLM instance.</summary>
    public ViGoRBuilder UseVisionLanguageModel(IVisionLanguageModel model) => Replace(_ => model);

    /// <summary>Registers the sentence reward model (needed unless the reward sources are automatic only).</summary>
    public ViGoRBuilder UseSentenceRewardModel(Func<IServiceProvider, ISentenceRewardModel> factory) => Replace(factory);

    /// <summary>Registers a sentence reward model instance.</summary>
    public ViGoRBuilder UseSentenceRewardModel(ISentenceRewardModel model) => Replace(_ => model);

    /// <summary>Registers the open-set detector (needed unless the reward sources are reward model only).</summary>
    public ViGoRBuilder UseGroundingDetector(Func<IServiceProvider, IGroundingDetector> factory) => Replace(factory);

    /// <summary>Registers a detector instance.</summary>
    public ViGoRBuilder UseGroundingDetector(IGroundingDetector detector) => Replace(_ => detector);

    /// <summary>Registers the noun extractor (always needed: it also splits sentences).</summary>
    public ViGoRBuilder UseNounExtractor(Func<IServiceProvider, INounExtractor> factory) => Replace(factory);

    /// <summary>Registers a noun extractor instance.</summary>
    public ViGoRBuilder UseNounExtractor(INounExtractor extractor) => Replace(_ => extractor);

    /// <summary>
    /// Replays per-sentence judgements made elsewhere (a JSON Lines file, see
    /// <see cref="RecordedSentenceRewardModel"/>) as the reward model.
    /// </summary>
    public ViGoRBuilder UseRecordedJudgements(string path, MissingJudgementPolicy missing = MissingJudgementPolicy.Error)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        return Replace<ISentenceRewardModel>(_ => RecordedSentenceRewardModel.Load(path, missing));
    }

    /// <summary>
    /// Adds a reward stream beside the built-in ones (a CLIP-score check, a VQA self-check, a judge
    /// model...). Its <see cref="IRewardStream.Name"/> keys its signals in the journal and its weight in
    /// <see cref="RewardCombinerOptions.Weights"/>. Several streams can be added.
    /// </summary>
    public ViGoRBuilder AddRewardStream(Func<IServiceProvider, IRewardStream> factory)
    {
        ArgumentNullException.ThrowIfNull(factory);
        Services.AddSingleton(factory);
        return this;
    }

    /// <summary>Adds a reward stream instance.</summary>
    public ViGoRBuilder AddRewardStream(IRewardStream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        Services.AddSingleton(stream);
        return this;
    }

    /// <summary>Replaces the default combiner.</summary>
    public ViGoRBuilder UseRewardCombiner(Func<IServiceProvider, IRewardCombiner> factory) => Replace(factory);

    private ViGoRBuilder Replace<T>(Func<IServiceProvider, T> factory)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(factory);
        Services.Replace(ServiceDescriptor.Singleton(typeof(T), sp => factory(sp)));
        return this;
    }
}
