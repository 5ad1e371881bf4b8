using System.Text.Json;
using ViGoR.Torch;
using static TorchSharp.torch;

namespace ViGoR.Cli.Tests;

public sealed class PretrainCommandTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("vigor-pretrain-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task Pretrain_trains_the_tower_in_its_own_stage_then_freezes_it_for_the_llava_stage()
    {
        var output = Path.Combine(_folder, "model");
        Assert.Equal(0, await VigorApp.Create().RunAsync(["pretrain", "--out", output, "--scenes", "24", "--vision-steps", "3"]));

        using var model = LlavaVisionLanguageModel.Load(output, new LlavaModelOptions { Device = CPU });
        using var fresh = LlavaVisionLanguageModel.CreateInitialized(output, seed: 7, new LlavaModelOptions { Device = CPU });

        // The CLIP stage moved the tower away from its initialisation...
        var tower = model.Module.VisionTower.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        var initial = fresh.Module.VisionTower.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        Assert.Contains(tower, kv => (kv.Value - initial[kv.Key]).abs().max().item<float>() > 1e-6);

        // ...and the LLaVA stage left it alone: another corpus (all captions hallucinating) trains another
        // projector and decoder on the same tower.
        var other = Path.Combine(_folder, "other");
        Assert.Equal(0, await VigorApp.Create().RunAsync(["pretrain", "--out", other, "--scenes", "24", "--vision-steps", "3", "--hallucination", "1"]));
        using var second = LlavaVisionLanguageModel.Load(other, new LlavaModelOptions { Device = CPU });
        foreach (var (name, p) in second.Module.VisionTower.named_parameters())
        {
            Assert.Equal(0f, (p - tower[name]).abs().max().item<float>());
        }

        Assert.Contains(second.Module.named_parameters(), p => p.name.StartsWith("multi_modal_projector.", StringComparison.Ordinal)
            && (p.parameter - model.Module.named_parameters().First(q => q.name == p.name).parameter).abs().max().item<float>() > 1e-6);

        // --tower-from takes a finished tower instead of training it again: the same tower, to the bit.
        var reused = Path.Combine(_folder, "reused");
        Assert.Equal(0, await VigorApp.Create().RunAsync(["pretrain", "--out", reused, "--scenes", "24", "--vision-steps", "3", "--tower-from", output]));
        using (var third = LlavaVisionLanguageModel.Load(reused, new LlavaModelOptions { Device = CPU }))
        {
            Assert.All(third.Module.VisionTower.named_parameters(), p => Assert.Equal(0f, (p.parameter - tower[p.name]).abs().max().item<float>()));
        }

        // A tower made with other settings is refused, naming the file.
        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => VigorApp.Create().RunAsync(["pretrain", "--out", Path.Combine(_folder, "refused"), "--scenes", "24", "--vision-steps", "4", "--tower-from", output]));
        Assert.Contains("vision_pretraining.json", refused.Message, StringComparison.Ordinal);

        // The settings of both stages are recorded with the model.
        using var settings = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "pretraining.json")));
        Assert.Equal(3, settings.RootElement.GetProperty("settings").GetProperty("Vision").GetProperty("Steps").GetInt32());
        Assert.False(Directory.Exists(Path.Combine(output, "checkpoints")));
    }
}
