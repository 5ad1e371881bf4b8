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
    private const string InnerKey = "ViGoR.component";

    // Read when the provider builds a component, so a Use after the component's registration still applies.
    private readonly Dictionary<Type, List<Func<object, IServiceProvider, object>>> _wrappers = [];

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
    /// Adds the automatic (detector) stream, <see cref="AutomaticRewardStream"/> (Yan et al., Sec. 3.2),
    /// over the registered <see cref="IGroundingDetector"/>. Its settings are the named options
    /// <see cref="RewardStreams.Automatic"/>: <paramref name="configure"/> sets them, and so can
    /// <c>services.Configure&lt;AutomaticStreamOptions&gt;("automatic", section)</c>.
    /// </summary>
    public ViGoRBuilder AddAutomaticStream(Action<AutomaticStreamOptions>? configure = null)
    {
        ConfigureNamed(RewardStreams.Automatic, configure);
        return AddRewardStream(sp => BuiltInStreams.Automatic(sp, BuiltInStreams.Named<AutomaticStreamOptions>(sp, RewardStreams.Automatic)));
    }

    /// <summary>
    /// Adds the reward-model stream, <see cref="RewardModelStream"/> (Sec. 3.1), over the registered
    /// <see cref="ISentenceRewardModel"/>. Its settings are the named options
    /// <see cref="RewardStreams.RewardModel"/>, set by <paramref name="configure"/> or configuration.
    /// </summary>
    public ViGoRBuilder AddRewardModelStream(Action<RewardModelStreamOptions>? configure = null)
    {
        ConfigureNamed(RewardStreams.RewardModel, configure);
        return AddRewardStream(sp => BuiltInStreams.RewardModel(sp, BuiltInStreams.Named<RewardModelStreamOptions>(sp, RewardStreams.RewardModel)));
    }

    /// <summary>ViGoR-AT, the paper's automatic-only preset (Table 4): <see cref="AddAutomaticStream"/>.</summary>
    public ViGoRBuilder UseViGoRAutomatic(Action<AutomaticStreamOptions>? automatic = null) => AddAutomaticStream(automatic);

    /// <summary>
    /// ViGoR-RM, the paper's reward-model-only preset: <see cref="AddRewardModelStream"/> (its holistic
    /// ablation with <c>o =&gt; o.Granularity = RewardGranularity.Holistic</c>).
    /// </summary>
    public ViGoRBuilder UseViGoRRewardModel(Action<RewardModelStreamOptions>? rewardModel = null) => AddRewardModelStream(rewardModel);

    /// <summary>ViGoR-All, the paper's method: <see cref="AddAutomaticStream"/> and <see cref="AddRewardModelStream"/>.</summary>
    public ViGoRBuilder UseViGoRAll(Action<AutomaticStreamOptions>? automatic = null, Action<RewardModelStreamOptions>? rewardModel = null) =>
        AddAutomaticStream(automatic).AddRewardModelStream(rewardModel);

    /// <summary>
    /// Adds a reward stream of type <typeparamref name="TStream"/>, made by the provider
    /// (<see cref="ActivatorUtilities"/>: its constructor's parameters are resolved as services).
    /// </summary>
    public ViGoRBuilder AddRewardStream<TStream>()
        where TStream : class, IRewardStream =>
        AddRewardStream(sp => ActivatorUtilities.CreateInstance<TStream>(sp));

    /// <summary>
    /// Adds a reward stream of type <typeparamref name="TStream"/> whose constructor takes its own
    /// <typeparamref name="TOptions"/> (and services): the named options of
    /// <typeparamref name="TStream"/>'s full name, set by <paramref name="configure"/> or configuration.
    /// </summary>
    public ViGoRBuilder AddRewardStream<TStream, TOptions>(Action<TOptions>? configure = null)
        where TStream : class, IRewardStream
        where TOptions : class
    {
        var name = typeof(TStream).FullName!;
        ConfigureNamed(name, configure);
        return AddRewardStream(sp => ActivatorUtilities.CreateInstance<TStream>(sp, BuiltInStreams.Named<TOptions>(sp, name)));
    }

    /// <summary>
    /// Adds a reward stream beside the others (a CLIP-score check, a VQA self-check, a judge
    /// model...). Its <see cref="IRewardStream.Name"/> keys its signals in the journal and its weight in
    /// <see cref="RewardCombinerOptions.Weights"/>. Several streams can be added.
    /// </summary>
    public ViGoRBuilder AddRewardStream(Func<IServiceProvider, IRewardStream> factory)
    {
        ArgumentNullException.ThrowIfNull(factory);
        var key = new object();
        Services.AddKeyedSingleton<IRewardStream>(key, (sp, _) => factory(sp));
        return AddWrapped<IRewardStream>(key);
    }

    /// <summary>Adds a reward stream instance.</summary>
    public ViGoRBuilder AddRewardStream(IRewardStream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var key = new object();
        Services.AddKeyedSingleton(key, stream);
        return AddWrapped<IRewardStream>(key);
    }

    /// <summary>
    /// Adds the reward stream that <paramref name="spec"/> asks for by name, made by the registered
    /// <see cref="IRewardStreamFactory"/> of that name when the trainer is resolved.
    /// </summary>
    /// <example><code>builder.AddRewardStream(RewardStreamSpec.Parse("automatic:box_threshold=0.3"));</code></example>
    public ViGoRBuilder AddRewardStream(RewardStreamSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return AddRewardStream(sp => spec.Create(sp, sp.GetServices<IRewardStreamFactory>()));
    }

    /// <summary>Registers a factory that makes a reward stream by name (<see cref="AddRewardStream(RewardStreamSpec)"/>, <c>vigor run --stream</c>).</summary>
    public ViGoRBuilder AddRewardStreamFactory(IRewardStreamFactory factory)
    {
        ArgumentNullException.ThrowIfNull(factory);
        Services.AddSingleton(factory);
        return this;
    }

    /// <summary>
    /// Wraps the registered <typeparamref name="TComponent"/> (detector, reward model, LVLM, noun
    /// extractor, or each stream added on this builder)
    /// in a decorator, as Microsoft.Extensions.AI's <c>ChatClientBuilder.Use</c> does: the first
    /// <c>Use</c> is the outermost. Wrappers apply whenever the component is registered through this
    /// builder, before or after the <c>Use</c> call; derive them from the <c>Delegating*</c> classes
    /// so that batching and the journal identity stay.
    /// </summary>
    /// <example><code>builder.Use&lt;IGroundingDetector&gt;(inner =&gt; new CachingGroundingDetector(inner));</code></example>
    /// <exception cref="ArgumentException"><typeparamref name="TComponent"/> is not one of the five component interfaces.</exception>
    public ViGoRBuilder Use<TComponent>(Func<TComponent, TComponent> wrap)
        where TComponent : class, IPipelineComponent
    {
        ArgumentNullException.ThrowIfNull(wrap);
        return Use<TComponent>((inner, _) => wrap(inner));
    }

    /// <summary>
    /// As <see cref="Use{TComponent}(Func{TComponent, TComponent})"/>, for a wrapper that needs services
    /// (a logger, options) from the provider.
    /// </summary>
    public ViGoRBuilder Use<TComponent>(Func<TComponent, IServiceProvider, TComponent> wrap)
        where TComponent : class, IPipelineComponent
    {
        ArgumentNullException.ThrowIfNull(wrap);
        if (typeof(TComponent) != typeof(IGroundingDetector) && typeof(TComponent) != typeof(ISentenceRewardModel)
            && typeof(TComponent) != typeof(IVisionLanguageModel) && typeof(TComponent) != typeof(INounExtractor) && typeof(TComponent) != typeof(IRewardStream))
        {
            throw new ArgumentException(
                $"Use<{typeof(TComponent).Name}> would never apply: the builder registers {nameof(IGroundingDetector)}, {nameof(ISentenceRewardModel)}, {nameof(IVisionLanguageModel)}, {nameof(INounExtractor)} and {nameof(IRewardStream)}.",
                nameof(wrap));
        }

        if (!_wrappers.TryGetValue(typeof(TComponent), out var list))
        {
            _wrappers[typeof(TComponent)] = list = [];
        }

        list.Add((inner, sp) => wrap((TComponent)inner, sp) ?? throw new InvalidOperationException($"A Use<{typeof(TComponent).Name}> wrapper returned null."));
        return this;
    }

    /// <summary>Replaces the default combiner.</summary>
    public ViGoRBuilder UseRewardCombiner(Func<IServiceProvider, IRewardCombiner> factory) => Replace(factory);

    private void ConfigureNamed<TOptions>(string name, Action<TOptions>? configure)
        where TOptions : class
    {
        var options = Services.AddOptions<TOptions>(name);
        if (configure is not null)
        {
            options.Configure(configure);
        }
    }

    private ViGoRBuilder Replace<T>(Func<IServiceProvider, T> factory)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(factory);
        Services.RemoveAllKeyed<T>(InnerKey);
        Services.AddKeyedSingleton(InnerKey, (sp, _) => factory(sp));
        Services.RemoveAll<T>();
        return AddWrapped<T>(InnerKey);
    }

    /// <summary>
    /// Registers <typeparamref name="T"/> as the keyed component <paramref name="key"/> inside its
    /// wrappers. The component stays a registration of its own so that the container disposes it
    /// even when a wrapper hides it.
    /// </summary>
    private ViGoRBuilder AddWrapped<T>(object key)
        where T : class
    {
        Services.AddSingleton(sp => Wrap(sp.GetRequiredKeyedService<T>(key), sp));
        return this;
    }

    /// <summary>The component inside its wrappers, the first added outermost.</summary>
    private T Wrap<T>(T component, IServiceProvider services)
        where T : class
    {
        if (component is null || !_wrappers.TryGetValue(typeof(T), out var wrappers))
        {
            return component!;
        }

        object wrapped = component;
        for (var i = wrappers.Count - 1; i >= 0; i--)
        {
            wrapped = wrappers[i](wrapped, services);
        }

        return (T)wrapped;
    }
}
