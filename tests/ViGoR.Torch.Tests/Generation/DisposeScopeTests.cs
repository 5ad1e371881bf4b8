using TorchSharp;
using ViGoR.Torch.Generation;
using static TorchSharp.torch;

namespace ViGoR.Torch.Tests.Generation;

public class DisposeScopeTests
{
    [Fact]
    public void Generating_repeatedly_leaves_no_live_tensors_behind()
    {
        using var model = TinyLlava.Load(TinyLlava.HuggingFace);
        var ids = TinyLlava.RefIds("ids_hf_0");
        using var pixels = TinyLlava.Ref("pixels_hf_0").unsqueeze(0);
        var settings = new GenerationSettings { NumSamples = 3, Temperature = 0.7f, MaxNewTokens = 6, Seed = 1, EosTokenIds = [-1] };
        using (LlavaGenerator.Generate(model.Module, [ids], pixels, settings))
        {
        }

        DisposeScopeManager.Statistics.Reset();
        for (int i = 0; i < 3; i++)
        {
            using var output = LlavaGenerator.Generate(model.Module, [ids], pixels, settings);
        }

        Assert.Equal(0, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }
}
