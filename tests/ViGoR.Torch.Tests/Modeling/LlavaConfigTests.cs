using ViGoR.Torch.Modeling;

namespace ViGoR.Torch.Tests.Modeling;

public class LlavaConfigTests
{
    [Fact]
    public void Every_key_of_the_real_llava_hf_config_is_mapped_or_deliberately_ignored()
    {
        var json = File.ReadAllText(TinyLlava.Config("llava-1.5-7b-hf.config.json"));
        Assert.Empty(LlavaConfigFile.UnmappedKeys(json));
    }

    [Fact]
    public void Every_key_of_the_real_original_llava_config_is_mapped_or_deliberately_ignored()
    {
        var json = File.ReadAllText(TinyLlava.Config("llava-v1.5-7b.config.json"));
        Assert.Empty(LlavaConfigFile.UnmappedKeys(json));
    }

    [Fact]
    public void Unknown_keys_are_reported_with_their_section()
    {
        var unmapped = LlavaConfigFile.UnmappedKeys("""{"text_config": {"hidden_size": 8, "sliding_window": 4}, "vision_config": {}, "new_thing": 1}""");
        Assert.Equal(["new_thing", "text_config.sliding_window"], unmapped.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Llava_hf_config_resolves_to_llava_15_7b_with_llama_defaults()
    {
        var dir = Directory.CreateTempSubdirectory("vigor-config").FullName;
        File.Copy(TinyLlava.Config("llava-1.5-7b-hf.config.json"), Path.Combine(dir, "config.json"));
        var c = LlavaModelConfig.Load(dir);
        Assert.Equal(LlavaCheckpointLayout.HuggingFace, c.Layout);
        Assert.Equal(32000, c.ImageTokenIndex);
        Assert.Equal(32064, c.Text.VocabSize);
        Assert.Equal(4096, c.Text.HiddenSize);          // LlamaConfig default, not in the file
        Assert.Equal(32, c.Text.KeyValueHeads);
        Assert.Equal(1e-5, c.Text.RmsNormEps);
        Assert.Equal(1024, c.Vision.HiddenSize);
        Assert.Equal("quick_gelu", c.Vision.HiddenAct);  // CLIPVisionConfig default
        Assert.Equal([-2], c.VisionFeatureLayers);
        Assert.Equal(576, c.ImageFeatureCount);
        Assert.True(c.ProjectorIsMlp);
        Assert.False(c.KeepClsToken);
    }

    [Fact]
    public void Original_llava_config_resolves_with_image_token_minus_200_and_pad()
    {
        var dir = Directory.CreateTempSubdirectory("vigor-config").FullName;
        File.Copy(TinyLlava.Config("llava-v1.5-7b.config.json"), Path.Combine(dir, "config.json"));
        var c = LlavaModelConfig.Load(dir);
        Assert.Equal(LlavaCheckpointLayout.OriginalLlava, c.Layout);
        Assert.Equal(-200, c.ImageTokenIndex);
        Assert.Equal("openai/clip-vit-large-patch14-336", c.VisionTowerName);
        Assert.True(c.PadToSquare);
        Assert.True(c.ProjectorIsMlp);
        Assert.Equal(11008, c.Text.IntermediateSize);
    }

    [Fact]
    public void Unsupported_select_strategy_names_the_file_and_key()
    {
        var dir = Directory.CreateTempSubdirectory("vigor-config").FullName;
        File.WriteAllText(Path.Combine(dir, "config.json"), """{"text_config": {}, "vision_config": {}, "vision_feature_select_strategy": "odd"}""");
        var e = Assert.Throws<InvalidDataException>(() => LlavaModelConfig.Load(dir));
        Assert.Contains("config.json", e.Message, StringComparison.Ordinal);
        Assert.Contains("vision_feature_select_strategy", e.Message, StringComparison.Ordinal);
    }
}
