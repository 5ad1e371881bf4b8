using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace ViGoR;

/// <summary>Registers the <see cref="VqaSelfCheckStream"/> and the answerer it asks.</summary>
public static class VqaSelfCheckBuilderExtensions
{
    /// <summary>
    /// Adds the VQA self-check stream (<see cref="VqaSelfCheckStream.StreamName"/>, weight
    /// <c>vqa</c>) beside the others, asking the <see cref="IVisualQuestionAnswerer"/> that
    /// <paramref name="answerer"/> gives, or the registered one when null (<see cref="UseVisualQuestionAnswerer"/>).
    /// Its settings are <paramref name="options"/>, else the named options <c>vqa</c>.
    /// </summary>
    public static ViGoRBuilder AddVqaSelfCheckStream(this ViGoRBuilder builder, Func<IServiceProvider, IVisualQuestionAnswerer>? answerer = null, VqaSelfCheckOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.AddRewardStream(sp => new VqaSelfCheckStream(
            answerer?.Invoke(sp) ?? BuiltInStreams.Require<IVisualQuestionAnswerer>(sp, "the vqa stream asks it", "UseVisualQuestionAnswerer(...) or UseLlavaQuestionAnswerer(...)"),
            options ?? BuiltInStreams.Named<VqaSelfCheckOptions>(sp, VqaSelfCheckStream.StreamName)));
    }

    /// <summary>Registers the <see cref="IVisualQuestionAnswerer"/> the VQA self-check stream asks (replacing an earlier one).</summary>
    public static ViGoRBuilder UseVisualQuestionAnswerer(this ViGoRBuilder builder, Func<IServiceProvider, IVisualQuestionAnswerer> factory)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(factory);
        builder.Services.RemoveAll<IVisualQuestionAnswerer>();
        builder.Services.AddSingleton(factory);
        return builder;
    }
}
