using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace ViGoR;

/// <summary>
/// The built-in streams as the builder methods and the factories make them: one place resolves their
/// models (with an error that says how to add a missing one) and reads their text settings.
/// </summary>
internal static class BuiltInStreams
{
    /// <summary>The factories <c>AddViGoR()</c> registers: <c>automatic</c>, <c>reward_model</c> and <c>vqa</c>.</summary>
    public static IReadOnlyList<IRewardStreamFactory> Factories { get; } =
    [
        new RewardStreamFactory(
            RewardStreams.Automatic,
            new Dictionary<string, string>
            {
                ["box_threshold"] = "the detector keeps boxes scoring above it; default 0.25",
                ["text_threshold"] = "text positions scoring above it label a box; default 0.25",
                ["check_counts"] = "true: also penalise stated counts the detections contradict",
            },
            (sp, settings) =>
            {
                var o = Named<AutomaticStreamOptions>(sp, RewardStreams.Automatic).Clone();
                o.Grounding.BoxThreshold = (float)RewardStreamSettings.Number(settings, "box_threshold", o.Grounding.BoxThreshold);
                o.Grounding.TextThreshold = (float)RewardStreamSettings.Number(settings, "text_threshold", o.Grounding.TextThreshold);
                o.CheckCounts = RewardStreamSettings.Flag(settings, "check_counts", o.CheckCounts);
                return Automatic(sp, o);
            }),
        new RewardStreamFactory(
            RewardStreams.RewardModel,
            new Dictionary<string, string>
            {
                ["granularity"] = "fine_grained (default) or holistic",
                ["signal"] = "label (default, the paper's) or expected",
                ["drop_object_hallucinations"] = "false keeps the sentences judged object hallucination; default true",
            },
            (sp, settings) =>
            {
                var o = Named<RewardModelStreamOptions>(sp, RewardStreams.RewardModel).Clone();
                o.Granularity = RewardStreamSettings.Choice(settings, "granularity", new Dictionary<string, RewardGranularity> { ["fine_grained"] = RewardGranularity.FineGrained, ["holistic"] = RewardGranularity.Holistic }, o.Granularity);
                o.Signal = RewardStreamSettings.Choice(settings, "signal", new Dictionary<string, RewardSignal> { ["label"] = RewardSignal.Label, ["expected"] = RewardSignal.Expected }, o.Signal);
                o.DropObjectHallucinations = RewardStreamSettings.Flag(settings, "drop_object_hallucinations", o.DropObjectHallucinations);
                return RewardModel(sp, o);
            }),
        new RewardStreamFactory(
            VqaSelfCheckStream.StreamName,
            new Dictionary<string, string>
            {
                ["question"] = "the question per object, {0} for its name; default 'Is there a {0} in the image?'",
                ["yes_threshold"] = "P(yes) below it is a no; default 0.5",
                ["drop_on_no"] = "true: refinement drops sentences naming an object answered no",
            },
            (sp, settings) =>
            {
                var o = Named<VqaSelfCheckOptions>(sp, VqaSelfCheckStream.StreamName).Clone();
                o.QuestionTemplate = settings.GetValueOrDefault("question", o.QuestionTemplate);
                o.YesThreshold = RewardStreamSettings.Number(settings, "yes_threshold", o.YesThreshold);
                o.DropOnNo = RewardStreamSettings.Flag(settings, "drop_on_no", o.DropOnNo);
                return new VqaSelfCheckStream(Require<IVisualQuestionAnswerer>(sp, "the vqa stream asks it", "UseVisualQuestionAnswerer(...) or UseLlavaQuestionAnswerer(...)"), o);
            }),
    ];

    /// <summary>The named options <paramref name="name"/> of <typeparamref name="TOptions"/>.</summary>
    public static TOptions Named<TOptions>(IServiceProvider services, string name)
        where TOptions : class =>
        services.GetRequiredService<IOptionsMonitor<TOptions>>().Get(name);

    public static AutomaticRewardStream Automatic(IServiceProvider services, AutomaticStreamOptions options) =>
        new(Require<IGroundingDetector>(services, "the automatic stream asks it", "UseGroundingDetector(...), UseGroundingDinoOnnx(...) or UseAnnotationGroundingDetector(...)"), options);

    public static RewardModelStream RewardModel(IServiceProvider services, RewardModelStreamOptions options) =>
        new(Require<ISentenceRewardModel>(services, "the reward-model stream asks it", "UseSentenceRewardModel(...), UseRecordedJudgements(...) or UseLlavaRewardModel(...)"), options);

    /// <summary>The registered <typeparamref name="T"/>, or an error that names it, says why it is needed and how to add it.</summary>
    public static T Require<T>(IServiceProvider services, string why, string fix)
        where T : class =>
        services.GetService<T>() ?? throw Missing(typeof(T).Name, why, fix);

    public static InvalidOperationException Missing(string service, string why, string fix) =>
        new($"ViGoR: no {service} is registered, but {why}. Add one on the builder returned by AddViGoR(): {fix}.");
}
