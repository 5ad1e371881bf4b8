using ViGoR;
using ViGoR.Torch;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the TorchSharp LLaVA with <c>services.AddViGoR()</c>.</summary>
public static class LlavaViGoRBuilderExtensions
{
    /// <summary>
    /// Uses the LLaVA model in <paramref name="directory"/> as the sampled vision-language model. It is
    /// loaded once, when first resolved, and disposed with the service provider.
    /// </summary>
    /// <param name="builder">The ViGoR builder.</param>
    /// <param name="directory">A llava-hf or original LLaVA folder.</param>
    /// <param name="options">Device, dtype, prompt format; null for the defaults.</param>
    public static ViGoRBuilder UseLlava(this ViGoRBuilder builder, string directory, LlavaModelOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        var snapshot = options?.Clone();
        builder.Services.AddSingleton(_ => LlavaVisionLanguageModel.Load(directory, snapshot));
        return builder.UseVisionLanguageModel(sp => sp.GetRequiredService<LlavaVisionLanguageModel>());
    }
}
