using Microsoft.Extensions.DependencyInjection;
using ViGoR.Torch.Rewards;

namespace ViGoR.Torch.Tests.DependencyInjection;

public class LlavaRegistrationTests
{
    [Fact]
    public void UseLlava_registers_one_lazily_loaded_model_as_the_vision_language_model()
    {
        var services = new ServiceCollection();
        services.AddViGoR().UseLlava(TinyLlava.HuggingFace, new LlavaModelOptions { Device = TorchSharp.torch.CPU });
        using (var provider = services.BuildServiceProvider())
        {
            var model = provider.GetRequiredService<IVisionLanguageModel>();
            Assert.IsType<LlavaVisionLanguageModel>(model);
            Assert.Same(model, provider.GetRequiredService<IVisionLanguageModel>());
            Assert.Same(model, provider.GetRequiredService<LlavaVisionLanguageModel>());
        }
    }

    private sealed class PassThroughModel(IVisionLanguageModel inner) : DelegatingVisionLanguageModel(inner);

    [Fact]
    public void Wrapped_llava_and_its_reward_model_keep_batching_holistic_judging_fine_tuning_and_the_journal_identity()
    {
        var services = new ServiceCollection();
        services.AddViGoR()
            .Use<IVisionLanguageModel>(inner => new PassThroughModel(inner))
            .Use<ISentenceRewardModel>(inner => new CachingSentenceRewardModel(inner))
            .UseLlava(TinyLlava.HuggingFace, new LlavaModelOptions { Device = TorchSharp.torch.CPU })
            .UseSentenceRewardModel(sp => new LlavaSentenceRewardModel(sp.GetRequiredService<LlavaVisionLanguageModel>()));
        using var provider = services.BuildServiceProvider();

        var llava = provider.GetRequiredService<LlavaVisionLanguageModel>();
        var model = Assert.IsType<PassThroughModel>(provider.GetRequiredService<IVisionLanguageModel>());
        var reward = Assert.IsType<CachingSentenceRewardModel>(provider.GetRequiredService<ISentenceRewardModel>());

        Assert.Same(model, model.GetService<IBatchVisionLanguageModel>()); // batches, through the wrapper
        Assert.Same(llava, model.GetService<IFineTunableVisionLanguageModel>());
        Assert.Equal(llava.Identity, ComponentIdentity.Of(model));
        Assert.Same(reward, reward.GetService<IBatchSentenceRewardModel>());
        Assert.Same(reward, reward.GetService<IDescriptionRewardModel>());
        Assert.StartsWith($"llava-reward-model:{llava.Identity}", ComponentIdentity.Of(reward), StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_model_folder_fails_when_resolved_with_the_folder_named()
    {
        var services = new ServiceCollection();
        services.AddViGoR().UseLlava("/nonexistent/llava");
        using var provider = services.BuildServiceProvider();
        var e = Assert.Throws<DirectoryNotFoundException>(() => provider.GetRequiredService<IVisionLanguageModel>());
        Assert.Contains("/nonexistent/llava", e.Message, StringComparison.Ordinal);
    }
}
