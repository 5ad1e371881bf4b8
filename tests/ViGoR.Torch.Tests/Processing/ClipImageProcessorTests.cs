using ViGoR.Torch.Processing;
using static TorchSharp.torch;

namespace ViGoR.Torch.Tests.Processing;

public class ClipImageProcessorTests
{
    [Theory]
    [InlineData("hf", false, 0)]
    [InlineData("hf", false, 1)]
    [InlineData("original", true, 0)]
    [InlineData("original", true, 1)]
    public void Matches_pillow_bicubic_clip_preprocessing(string layout, bool pad, int image)
    {
        var config = ClipImageProcessorConfig.Load(layout == "hf" ? TinyLlava.HuggingFace : TinyLlava.Clip)!;
        var processor = new ClipImageProcessor(config, pad);
        var pixels = processor.Preprocess(RgbImage.Load(TinyLlava.Image(image)), out int h, out int w);
        Assert.Equal((32, 32), (h, w));
        var expected = TinyLlava.Ref($"pixels_{layout}_{image}").data<float>().ToArray();
        Assert.Equal(expected.Length, pixels.Length);
        // Same 8-bit pixels as Pillow → identical floats; one 8-bit step would be ~0.015.
        double maxDeviation = expected.Zip(pixels, (a, b) => Math.Abs(a - b)).Max();
        Assert.True(maxDeviation < 1e-6, $"max deviation {maxDeviation}");
    }

    [Fact]
    public void Pad_to_square_uses_llava_mean_colour()
    {
        var processor = new ClipImageProcessor(new ClipImageProcessorConfig(), padToSquare: true);
        Assert.Equal(new byte[] { 122, 116, 104 }, processor.PadColour);
    }

    [Fact]
    public void Batch_tensor_has_nchw_shape_on_the_requested_device()
    {
        var config = ClipImageProcessorConfig.Load(TinyLlava.HuggingFace)!;
        var processor = new ClipImageProcessor(config, false);
        using var batch = processor.Preprocess([RgbImage.Load(TinyLlava.Image(0)), RgbImage.Load(TinyLlava.Image(1))], CPU);
        Assert.Equal([2L, 3, 32, 32], batch.shape);
    }
}
