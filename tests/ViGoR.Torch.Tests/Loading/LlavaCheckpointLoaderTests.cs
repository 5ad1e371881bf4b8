using TorchSharp.PyBridge;
using ViGoR.Torch.Loading;
using ViGoR.Torch.Modeling;
using static TorchSharp.torch;

namespace ViGoR.Torch.Tests.Loading;

public class LlavaCheckpointLoaderTests
{
    /// <summary>Logits of the reference prompt for image <paramref name="image"/>, last positions, as the Python re-implementation computed them.</summary>
    internal static double MaxDeviationFromReference(LlavaVisionLanguageModel model, string layout, int image)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var ids = TinyLlava.RefIds($"ids_{layout}_{image}");
        var pixels = TinyLlava.Ref($"pixels_{layout}_{image}").unsqueeze(0);
        using var inputs = model.Module.BuildInputs([ids], pixels);
        var logits = model.Module.Logits(inputs)[0].to(ScalarType.Float32);
        var expected = TinyLlava.Ref($"logits_{layout}_{image}");
        var actual = logits.narrow(0, logits.shape[0] - expected.shape[0], expected.shape[0]).narrow(1, 0, expected.shape[1]);
        return (actual - expected).abs().max().item<float>();
    }

    [Theory]
    [InlineData("hf")]
    [InlineData("hf-new")]
    [InlineData("original")]
    public void Each_real_layout_loads_and_reproduces_the_python_reference_logits(string folder)
    {
        var dir = Path.Combine(TinyLlava.Root, folder);
        using var model = TinyLlava.Load(dir);
        string layout = folder == "original" ? "original" : "hf";
        for (int image = 0; image < 2; image++)
        {
            double deviation = MaxDeviationFromReference(model, layout, image);
            Assert.True(deviation < 1e-4, $"{folder} image {image}: max |logit difference| {deviation}");
        }
    }

    [Fact]
    public void Loads_in_bfloat16_when_asked()
    {
        using var model = LlavaVisionLanguageModel.Load(TinyLlava.HuggingFaceNew, new LlavaModelOptions { Device = CPU, DType = ScalarType.BFloat16 });
        Assert.All(model.Module.parameters(), p => Assert.Equal(ScalarType.BFloat16, p.dtype));
        // bf16 keeps 8 bits of mantissa: compare against the logits' scale, not absolutely.
        double deviation = MaxDeviationFromReference(model, "hf", 0);
        double scale = TinyLlava.Ref("logits_hf_0").abs().max().item<float>();
        Assert.True(deviation < 0.1 * scale, $"bf16 deviation {deviation} at logit scale {scale}");
    }

    [Fact]
    public void A_safetensors_file_truncated_anywhere_is_an_error_naming_the_file_and_the_tensor_it_cuts()
    {
        var dir = Directory.CreateTempSubdirectory("vigor-truncated").FullName;
        try
        {
            foreach (var f in Directory.GetFiles(TinyLlava.HuggingFaceNew))
            {
                File.Copy(f, Path.Combine(dir, Path.GetFileName(f)));
            }

            var weights = Path.Combine(dir, "model.safetensors");
            var whole = File.ReadAllBytes(weights);
            var headerEnd = 8 + (long)BitConverter.ToUInt64(whole, 0);

            // Ten cuts: inside the length, inside the JSON header, at its end, and through the data.
            long[] cuts = [5, 8, headerEnd / 2, headerEnd - 1, headerEnd, headerEnd + 3, headerEnd + (whole.Length - headerEnd) / 4, headerEnd + (whole.Length - headerEnd) / 2, whole.Length - 100, whole.Length - 1];
            Assert.Equal(10, cuts.Distinct().Count());
            foreach (var cut in cuts)
            {
                File.WriteAllBytes(weights, whole[..(int)cut]);
                var e = Assert.ThrowsAny<Exception>(() => TinyLlava.Load(dir));
                Assert.True(e.Message.Contains(weights, StringComparison.Ordinal), $"cut at {cut} of {whole.Length}: the error does not name the file: {e.Message}");
                if (cut > headerEnd)
                {
                    Assert.Matches(@"tensor '[^']+'", e.Message);
                }
            }

            // A sharded checkpoint's index, cut short, names itself too.
            File.WriteAllBytes(weights, whole);
            var index = Path.Combine(dir, "model.safetensors.index.json");
            File.WriteAllText(index, "{\"weight_map\": {\"language_model.lm_head.weight\": \"model.safe");
            var cutIndex = Assert.ThrowsAny<Exception>(() => TinyLlava.Load(dir));
            Assert.Contains(index, cutIndex.Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Missing_unexpected_and_misshaped_keys_are_all_listed_in_one_error()
    {
        var dir = Directory.CreateTempSubdirectory("vigor-badckpt").FullName;
        foreach (var f in Directory.GetFiles(TinyLlava.HuggingFace))
        {
            File.Copy(f, Path.Combine(dir, Path.GetFileName(f)));
        }

        var shard = Path.Combine(dir, "model-00002-of-00002.safetensors");
        var tensors = Safetensors.LoadStateDict(shard);
        var renamed = "vision_tower.vision_model.encoder.layers.1.mlp.fc2.weight";
        var reshaped = "vision_tower.vision_model.post_layernorm.weight";
        tensors["vision_tower.vision_model.bogus.weight"] = tensors[renamed];
        tensors.Remove(renamed);
        tensors[reshaped] = zeros(3);
        TestSafetensorsFile.Write(shard, tensors);
        // The index must name the new key, as a real index would.
        var index = File.ReadAllText(Path.Combine(dir, "model.safetensors.index.json"));
        File.WriteAllText(Path.Combine(dir, "model.safetensors.index.json"), index.Replace(renamed, "vision_tower.vision_model.bogus.weight", StringComparison.Ordinal));

        var e = Assert.Throws<CheckpointLoadException>(() => TinyLlava.Load(dir));
        Assert.Equal([renamed], e.Missing);
        Assert.Equal(["vision_tower.vision_model.bogus.weight"], e.Unexpected);
        Assert.Single(e.MisShaped);
        Assert.Contains(reshaped, e.MisShaped[0], StringComparison.Ordinal);
        Assert.Contains(renamed, e.Message, StringComparison.Ordinal);
        Assert.Contains("bogus", e.Message, StringComparison.Ordinal);
        Assert.Contains("[3] vs model [32]", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Original_llava_without_its_vision_tower_says_which_tower_and_how_to_give_it()
    {
        var e = Assert.Throws<DirectoryNotFoundException>(() => LlavaVisionLanguageModel.Load(TinyLlava.Original, new LlavaModelOptions { Device = CPU }));
        Assert.Contains("tiny-org/tiny-clip", e.Message, StringComparison.Ordinal);
        Assert.Contains("VisionTowerDirectory", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("model.language_model.layers.0.mlp.up_proj.weight", LlavaCheckpointLayout.HuggingFace, "language_model.model.layers.0.mlp.up_proj.weight")]
    [InlineData("model.vision_tower.vision_model.pre_layrnorm.bias", LlavaCheckpointLayout.HuggingFace, "vision_tower.vision_model.pre_layrnorm.bias")]
    [InlineData("lm_head.weight", LlavaCheckpointLayout.HuggingFace, "language_model.lm_head.weight")]
    [InlineData("language_model.lm_head.weight", LlavaCheckpointLayout.HuggingFace, "language_model.lm_head.weight")]
    [InlineData("model.mm_projector.0.bias", LlavaCheckpointLayout.OriginalLlava, "multi_modal_projector.linear_1.bias")]
    [InlineData("model.mm_projector.weight", LlavaCheckpointLayout.OriginalLlava, "multi_modal_projector.linear_1.weight")]
    [InlineData("model.norm.weight", LlavaCheckpointLayout.OriginalLlava, "language_model.model.norm.weight")]
    [InlineData("model.layers.3.self_attn.rotary_emb.inv_freq", LlavaCheckpointLayout.OriginalLlava, null)]
    public void Keys_of_every_layout_map_to_hugging_face_names(string key, LlavaCheckpointLayout layout, string? expected) =>
        Assert.Equal(expected, LlavaCheckpointLoader.Map(key, layout, clip: false));

    [Fact]
    public void Module_state_dict_names_are_the_llava_hf_keys()
    {
        var config = LlavaModelConfig.Load(TinyLlava.HuggingFace);
        using var module = new LlavaForConditionalGeneration(config, CPU, ScalarType.Float32);
        var names = module.named_parameters().Select(p => p.name).ToHashSet();
        var index = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(TinyLlava.HuggingFace, "model.safetensors.index.json")));
        var keys = index.RootElement.GetProperty("weight_map").EnumerateObject().Select(p => p.Name).ToHashSet();
        Assert.Equal(keys.Order(StringComparer.Ordinal), names.Order(StringComparer.Ordinal));
    }
}
