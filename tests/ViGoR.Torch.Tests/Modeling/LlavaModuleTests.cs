using ViGoR.Torch.Modeling;
using static TorchSharp.torch;

namespace ViGoR.Torch.Tests.Modeling;

public class LlavaModuleTests
{
    private static LlavaModelConfig Tiny(bool mlp, bool keepCls, int[] layers) => new()
    {
        Text = new LlamaTextConfig { VocabSize = 64, HiddenSize = 16, IntermediateSize = 32, NumHiddenLayers = 1, NumAttentionHeads = 2, NumKeyValueHeads = 1 },
        Vision = new ClipVisionConfig { HiddenSize = 8, IntermediateSize = 16, NumHiddenLayers = 3, NumAttentionHeads = 2, ImageSize = 16, PatchSize = 8 },
        Layout = LlavaCheckpointLayout.OriginalLlava,
        ImageTokenIndex = LlavaModelConfig.OriginalImageTokenIndex,
        VisionFeatureLayers = layers,
        KeepClsToken = keepCls,
        ProjectorIsMlp = mlp,
    };

    [Fact]
    public void A_v1_linear_projector_has_only_linear_1()
    {
        using var module = new LlavaForConditionalGeneration(Tiny(mlp: false, keepCls: false, [-2]), CPU, ScalarType.Float32);
        var names = module.named_parameters().Select(p => p.name).Where(n => n.StartsWith("multi_modal_projector.", StringComparison.Ordinal)).Order(StringComparer.Ordinal);
        Assert.Equal(["multi_modal_projector.linear_1.bias", "multi_modal_projector.linear_1.weight"], names);
    }

    [Theory]
    [InlineData(false, new[] { -2 }, 4, 8)]
    [InlineData(true, new[] { -2 }, 5, 8)]
    [InlineData(false, new[] { -3, -1 }, 4, 16)]
    public void Features_drop_or_keep_cls_and_concatenate_layers(bool keepCls, int[] layers, long expectedTokens, long expectedProjectorInput)
    {
        var config = Tiny(mlp: true, keepCls, layers);
        Assert.Equal(expectedProjectorInput, config.ProjectorInputSize);
        using var module = new LlavaForConditionalGeneration(config, CPU, ScalarType.Float32);
        module.InitializeRandom(3);
        using var features = module.ImageFeatures(randn(2, 3, 16, 16));
        Assert.Equal([2L, expectedTokens, 16], features.shape);
        Assert.Equal(expectedTokens, config.ImageFeatureCount);
    }

    [Fact]
    public void Labels_are_ignored_at_image_and_padding_positions_and_kept_elsewhere()
    {
        using var module = new LlavaForConditionalGeneration(Tiny(mlp: true, keepCls: false, [-2]), CPU, ScalarType.Float32);
        module.InitializeRandom(4);
        long[] a = [1, 5, -200, 6, 7];
        long[] b = [1, -200, 9];
        long[] la = [-100, -100, -100, 6, 7];
        long[] lb = [-100, -100, 9];
        using var inputs = module.BuildInputs([a, b], randn(2, 3, 16, 16), [la, lb], PaddingSide.Right);
        Assert.Equal([2L, 8, 16], inputs.InputsEmbeds.shape); // 4 text + 4 image features
        Assert.Equal(new long[] { -100, -100, -100, -100, -100, -100, 6, 7, -100, -100, -100, -100, -100, 9, -100, -100 }, inputs.Labels!.data<long>().ToArray());
        Assert.Equal(new long[] { 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0 }, inputs.AttentionMask.data<long>().ToArray());
        Assert.Equal(new long[] { 0, 1, 2, 3, 4, 5, 6, 7, 0, 1, 2, 3, 4, 5, 1, 1 }, inputs.PositionIds.data<long>().ToArray());
        using var logits = module.Logits(inputs);
        Assert.Equal([2L, 8, 64], logits.shape);
    }

    [Fact]
    public void The_image_count_must_match_the_image_tokens()
    {
        using var module = new LlavaForConditionalGeneration(Tiny(mlp: true, keepCls: false, [-2]), CPU, ScalarType.Float32);
        module.InitializeRandom(5);
        var e = Assert.Throws<ArgumentException>(() => module.BuildInputs([[1L, -200, 5]], randn(2, 3, 16, 16)));
        Assert.Contains("1 image tokens", e.Message, StringComparison.Ordinal);
        Assert.Contains("2 images", e.Message, StringComparison.Ordinal);
    }
}
