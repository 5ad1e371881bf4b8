using Microsoft.Extensions.Logging;
using ViGoR;
using ViGoR.Torch;
using ViGoR.Torch.Rewards;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the LLaVA sentence reward model with <c>services.AddViGoR()</c>.</summary>
public static class LlavaRewardModelBuilderExtensions
{
    /// <summary>
    /// Uses the LLaVA reward-model checkpoint in <paramref name="directory"/> as the sentence reward model.
    /// It is loaded when first resolved and disposed with the service provider; a registered
    /// <see cref="ILoggerFactory"/> receives its warnings.
    /// </summary>
    /// <param name="builder">The ViGoR builder.</param>
    /// <param name="directory">A llava-hf or original LLaVA folder fine-tuned as a ViGoR reward model.</param>
    /// <param name="modelOptions">Device, dtype, prompt format; null for the defaults.</param>
    /// <param name="options">Prompt template, label scheme, reply handling; null for the defaults.</param>
    public static ViGoRBuilder UseLlavaRewardModel(this ViGoRBuilder builder, string directory, LlavaModelOptions? modelOptions = null, LlavaRewardModelOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        var model = modelOptions?.Clone();
        var reward = options?.Clone();
        builder.Services.AddSingleton(sp => LlavaSentenceRewardModel.Load(directory, model, reward, sp.GetService<ILoggerFactory>()?.CreateLogger<LlavaSentenceRewardModel>()));
        return builder.UseSentenceRewardModel(sp => sp.GetRequiredService<LlavaSentenceRewardModel>());
    }
}
