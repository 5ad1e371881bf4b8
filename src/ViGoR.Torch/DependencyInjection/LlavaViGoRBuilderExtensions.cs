using ViGoR;
using ViGoR.Torch;
using ViGoR.Torch.Rewards;

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

    /// <summary>
    /// Uses a LLaVA as the <see cref="IVisualQuestionAnswerer"/> of the VQA self-check stream
    /// (<see cref="LlavaQuestionAnswerer"/>: POPE's question, P(yes) from the first reply token). With no
    /// <paramref name="directory"/> it asks the LLaVA registered with <see cref="UseLlava"/>, the model
    /// being sampled, so the model checks its own claims with the same weights; otherwise it loads the
    /// checkpoint in <paramref name="directory"/> when first resolved and disposes it with the provider.
    /// </summary>
    /// <param name="builder">The ViGoR builder.</param>
    /// <param name="directory">A llava-hf or original LLaVA folder; null for the sampled model.</param>
    /// <param name="modelOptions">Device, dtype, prompt format of that folder; null for the defaults.</param>
    /// <param name="options">Question suffix and the yes/no replies; null for LLaVA's POPE format.</param>
    public static ViGoRBuilder UseLlavaQuestionAnswerer(this ViGoRBuilder builder, string? directory = null, LlavaModelOptions? modelOptions = null, LlavaQuestionAnswererOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var model = modelOptions?.Clone();
        var answers = options?.Clone();
        return builder.UseVisualQuestionAnswerer(sp => directory is not null
            ? LlavaQuestionAnswerer.Load(directory, model, answers)
            : new LlavaQuestionAnswerer(
                sp.GetService<LlavaVisionLanguageModel>() ?? throw new InvalidOperationException("UseLlavaQuestionAnswerer() without a folder asks the LLaVA registered with UseLlava(...), and none is: register one, or pass the answerer's folder."),
                answers));
    }
}
