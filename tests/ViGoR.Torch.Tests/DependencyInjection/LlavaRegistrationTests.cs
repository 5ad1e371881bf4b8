using Microsoft.Extensions.DependencyInjection;

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
