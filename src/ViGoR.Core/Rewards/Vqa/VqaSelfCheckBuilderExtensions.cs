using Microsoft.Extensions.DependencyInjection;

namespace ViGoR;

/// <summary>Registers the <see cref="VqaSelfCheckStream"/>.</summary>
public static class VqaSelfCheckBuilderExtensions
{
    /// <summary>
    /// Adds the VQA self-check stream (<see cref="VqaSelfCheckStream.StreamName"/>, weight
    /// <c>vqa</c>) beside the others, asking the <see cref="IVisualQuestionAnswerer"/> that
    /// <paramref name="answerer"/> gives, or the registered one when null.
    /// </summary>
    public static ViGoRBuilder AddVqaSelfCheckStream(this ViGoRBuilder builder, Func<IServiceProvider, IVisualQuestionAnswerer>? answerer = null, VqaSelfCheckOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.AddRewardStream(sp => new VqaSelfCheckStream(answerer?.Invoke(sp) ?? sp.GetRequiredService<IVisualQuestionAnswerer>(), options));
    }
}
