using ViGoR.Torch.Modeling;
using static TorchSharp.torch;

namespace ViGoR.Benchmarks;

/// <summary>
/// The small LLaVA the Torch benchmarks share (issue 5's config: hidden 512, 8 layers, 64 image
/// tokens), with random weights, on one libtorch thread unless VIGOR_BENCH_THREADS says otherwise.
/// </summary>
internal static class SmallLlava
{
    public static LlavaForConditionalGeneration Create(int seed = 1)
    {
        set_num_threads(int.TryParse(Environment.GetEnvironmentVariable("VIGOR_BENCH_THREADS"), out var threads) && threads > 0 ? threads : 1);
        var text = new LlamaTextConfig
        {
            VocabSize = 32064, HiddenSize = 512, IntermediateSize = 1376, NumHiddenLayers = 8,
            NumAttentionHeads = 8, NumKeyValueHeads = 8, RmsNormEps = 1e-5, MaxPositionEmbeddings = 2048,
        };
        var vision = new ClipVisionConfig
        {
            HiddenSize = 256, IntermediateSize = 1024, NumHiddenLayers = 4, NumAttentionHeads = 4, ImageSize = 224, PatchSize = 28,
        };
        var config = new LlavaModelConfig
        {
            Text = text, Vision = vision, Layout = LlavaCheckpointLayout.HuggingFace, ImageTokenIndex = 32000,
            VisionFeatureLayers = [-2], KeepClsToken = false, ProjectorIsMlp = true,
        };
        var model = new LlavaForConditionalGeneration(config, CPU, ScalarType.Float32);
        model.InitializeRandom(seed);
        return model;
    }
}
