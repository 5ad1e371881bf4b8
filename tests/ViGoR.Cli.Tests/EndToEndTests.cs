using ViGoR.Torch;

namespace ViGoR.Cli.Tests;

/// <summary>
/// The whole method through the real adapters: a (tiny, random) TorchSharp LLaVA samples k
/// descriptions, WordNet finds the nouns, ground-truth boxes check them, the trainer selects and
/// refines, then fine-tunes the LLaVA and saves a checkpoint that loads back.
/// </summary>
public sealed class EndToEndTests : IDisposable
{
    private static readonly string Fixtures = Path.Combine(AppContext.BaseDirectory, "Fixtures", "TinyLlava");
    private readonly string _folder = Directory.CreateTempSubdirectory("vigor-e2e-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task Run_samples_scores_refines_fine_tunes_and_saves_a_loadable_llava()
    {
        var data = Path.Combine(_folder, "data.jsonl");
        await File.WriteAllLinesAsync(data, [
            """{"id": "image0", "image": "image0.png", "prompt": "Describe this image in detail."}""",
            """{"id": "image1", "image": "image1.png", "prompt": "Describe this image in detail."}""",
        ]);
        var boxes = Path.Combine(_folder, "boxes.jsonl");
        await File.WriteAllLinesAsync(boxes, [
            """{"id": "image0", "image": "image0.png", "instances": [{"category": "dog", "bbox": [0.1, 0.1, 0.5, 0.5]}]}""",
            """{"id": "image1", "image": "image1.png", "instances": [{"category": "cat", "bbox": [0.2, 0.2, 0.9, 0.9]}]}""",
        ]);
        var work = Path.Combine(_folder, "work");
        string[] args = [
            "run", "--data", data, "--images", Fixtures, "--model", Path.Combine(Fixtures, "hf"), "--annotations", boxes,
            "-k", "3", "--max-new-tokens", "12", "--temperature", "1", "--epochs", "3", "--batch-size", "2", "--lr", "1e-3", "--work", work,
        ];

        var exit = await VigorApp.Create().RunAsync(args);

        Assert.Equal(0, exit);
        var records = SupervisionJournal.Read(Path.Combine(work, "round-0", "supervision.jsonl"));
        Assert.Equal(["image0", "image1"], records.Select(r => r.ImageId));
        Assert.All(records, r => Assert.Equal(3, r.Samples.Count));
        Assert.All(records.SelectMany(r => r.Samples), s => Assert.False(string.IsNullOrEmpty(s.Text)));
        var model = Path.Combine(work, "round-0", "model");
        Assert.True(File.Exists(Path.Combine(model, "config.json")));
        using var reloaded = LlavaVisionLanguageModel.Load(model);
        using var original = LlavaVisionLanguageModel.Load(Path.Combine(Fixtures, "hf"));

        // Three steps at lr 1e-3 (the first at lr 0 after warm-up, as Hugging Face): the language model must have moved.
        var before = original.Module.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        var changed = reloaded.Module.named_parameters().Count(p => p.name.StartsWith("language_model.", StringComparison.Ordinal) && !p.parameter.allclose(before[p.name], rtol: 0, atol: 0));
        Assert.True(changed > 0, "fine-tuning changed no language-model weight");
        Assert.All(reloaded.Module.named_parameters().Where(p => p.name.StartsWith("vision_tower.", StringComparison.Ordinal)), p => Assert.True(p.parameter.allclose(before[p.name], rtol: 0, atol: 0), p.name));
        var again = await reloaded.SampleAsync(ImageInput.FromFile(Path.Combine(Fixtures, "image0.png")), "Describe this image.", new SamplingOptions { NumSamples = 1, Temperature = 0, MaxNewTokens = 4 });
        Assert.Single(again);

        // Rerunning the finished job resumes: nothing is sampled or trained again, and it succeeds.
        Assert.Equal(0, await VigorApp.Create().RunAsync(args));
        Assert.Equal(2, SupervisionJournal.Read(Path.Combine(work, "round-0", "supervision.jsonl")).Count);
    }

    [Fact]
    public async Task Run_reuses_the_frozen_towers_features_with_a_feature_cache_and_trains_to_the_same_weights()
    {
        var data = Path.Combine(_folder, "data.jsonl");
        await File.WriteAllLinesAsync(data, [
            """{"id": "image0", "image": "image0.png", "prompt": "Describe this image in detail."}""",
            """{"id": "image1", "image": "image1.png", "prompt": "Describe this image in detail."}""",
        ]);
        var boxes = Path.Combine(_folder, "boxes.jsonl");
        await File.WriteAllLinesAsync(boxes, ["""{"id": "image0", "image": "image0.png", "instances": [{"category": "dog", "bbox": [0.1, 0.1, 0.5, 0.5]}]}"""]);
        string[] Args(string work, params string[] extra) => [
            "run", "--data", data, "--images", Fixtures, "--model", Path.Combine(Fixtures, "hf"), "--annotations", boxes,
            "-k", "2", "--max-new-tokens", "8", "--temperature", "1", "--epochs", "3", "--batch-size", "2", "--lr", "1e-3", "--work", work, .. extra];

        Assert.Equal(0, await VigorApp.Create().RunAsync(Args(Path.Combine(_folder, "plain"))));
        var (exit, output, error) = await VigorProcess.RunAsync(Args(Path.Combine(_folder, "cached"), "--feature-cache", "8"));

        Assert.True(exit == 0, output + error);
        Assert.Contains("the tower ran 2 time(s); 2 image(s) cached", output, StringComparison.Ordinal); // 3 epochs of 2 images: once each
        using var plain = LlavaVisionLanguageModel.Load(Path.Combine(_folder, "plain", "round-0", "model"));
        using var cached = LlavaVisionLanguageModel.Load(Path.Combine(_folder, "cached", "round-0", "model"));
        var expected = plain.Module.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        Assert.All(cached.Module.named_parameters(), p => Assert.True(p.parameter.allclose(expected[p.name], rtol: 1e-3, atol: 1e-4), p.name)); // cached features equal the tower's to 1e-4
    }

    [Fact]
    public async Task Unreadable_reward_model_replies_are_neutral_and_counted_or_stop_the_run_on_request()
    {
        // The tiny reward model has random weights: its replies are not numbers.
        var data = Path.Combine(_folder, "data.jsonl");
        await File.WriteAllLinesAsync(data, ["""{"id": "image0", "image": "image0.png", "prompt": "Describe this image in detail."}"""]);
        string[] Args(string work, params string[] extra) => [
            "run", "--data", data, "--images", Fixtures, "--model", Path.Combine(Fixtures, "hf"), "--reward-model", Path.Combine(Fixtures, "hf"),
            "--sources", "reward-model", "-k", "2", "--max-new-tokens", "8", "--temperature", "1", "--supervision-only", "--work", work, .. extra];

        Assert.Equal(0, await VigorApp.Create().RunAsync(Args(Path.Combine(_folder, "neutral"))));
        var record = Assert.Single(SupervisionJournal.Read(Path.Combine(_folder, "neutral", "round-0", "supervision.jsonl")));
        var judged = record.Samples.SelectMany(s => s.Sentences).Select(s => RewardModelEvidence.From(s.Signals["reward_model"])!).ToList();
        Assert.NotEmpty(judged);
        Assert.All(judged, j => Assert.Equal((true, 0.0), (j.Unreadable!.Value, j.Score!.Value)));
        Assert.Equal(judged.Count, RejectionSamplingTrainer.CountUnreadable(record));

        var error = await Assert.ThrowsAsync<ViGoR.Torch.Rewards.RewardModelReplyException>(() => VigorApp.Create().RunAsync(Args(Path.Combine(_folder, "strict"), "--on-unreadable", "error")));
        Assert.Equal("image0", error.ImageId);
    }

    [Fact]
    public async Task Run_fine_tunes_with_lora_in_bfloat16_and_gradient_checkpointing_and_checkpoints_every_step()
    {
        var data = Path.Combine(_folder, "data.jsonl");
        await File.WriteAllLinesAsync(data, [
            """{"id": "image0", "image": "image0.png", "prompt": "Describe this image in detail."}""",
            """{"id": "image1", "image": "image1.png", "prompt": "Describe this image in detail."}""",
        ]);
        var boxes = Path.Combine(_folder, "boxes.jsonl");
        await File.WriteAllLinesAsync(boxes, [
            """{"id": "image0", "image": "image0.png", "instances": [{"category": "dog", "bbox": [0.1, 0.1, 0.5, 0.5]}]}""",
            """{"id": "image1", "image": "image1.png", "instances": [{"category": "cat", "bbox": [0.2, 0.2, 0.9, 0.9]}]}""",
        ]);
        var work = Path.Combine(_folder, "lora");

        Assert.Equal(0, await VigorApp.Create().RunAsync([
            "run", "--data", data, "--images", Fixtures, "--model", Path.Combine(Fixtures, "hf"), "--annotations", boxes,
            "-k", "2", "--max-new-tokens", "8", "--temperature", "1", "--epochs", "2", "--batch-size", "1", "--lr", "1e-3",
            "--lora", "--lora-rank", "2", "--dtype", "bfloat16", "--gradient-checkpointing", "--save-every", "1", "--work", work]));

        // Four steps, saved after each; the state holds the PEFT adapter with the projector as modules_to_save.
        var state = Path.Combine(work, "round-0", "state");
        var latest = Path.Combine(state, File.ReadAllText(Path.Combine(state, "latest")));
        Assert.Contains("\"r\": 2", await File.ReadAllTextAsync(Path.Combine(latest, "adapter_config.json")), StringComparison.Ordinal);
        Assert.Contains("multi_modal_projector", await File.ReadAllTextAsync(Path.Combine(latest, "adapter_config.json")), StringComparison.Ordinal);
        using (var trainerState = System.Text.Json.JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(latest, "trainer", "trainer_state.json"))))
        {
            // --gradient-checkpointing reached the fine-tuner: it is a setting a resume must match.
            Assert.Equal("true", trainerState.RootElement.GetProperty("settings").GetProperty("gradient_checkpointing").GetString());
        }

        using var model = LlavaVisionLanguageModel.Load(Path.Combine(work, "round-0", "model"));

        // The saved weights are bf16 (the safetensors header names each tensor's dtype).
        await using var weights = File.OpenRead(Path.Combine(work, "round-0", "model", "model.safetensors"));
        var length = new byte[8];
        await weights.ReadExactlyAsync(length);
        var header = new byte[BitConverter.ToInt64(length)];
        await weights.ReadExactlyAsync(header);
        Assert.Contains("\"dtype\":\"BF16\"", System.Text.Encoding.UTF8.GetString(header).Replace(" ", string.Empty, StringComparison.Ordinal), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("0", false)]
    [InlineData("1", false)]
    [InlineData("1", true)]
    public async Task Image_batched_supervision_scores_exactly_as_one_image_at_a_time(string temperature, bool models)
    {
        // Four images (the two fixtures twice, under other ids) sampled two or four per batched call.
        // With models: the Grounding DINO export asks each image its own nouns, and a first-token reward
        // model (the tiny LLaVA under the categorical labels) judges every image of a batch in one pass.
        var data = Path.Combine(_folder, "data.jsonl");
        await File.WriteAllLinesAsync(data, Enumerable.Range(0, 4).Select(i => $$"""{"id": "i{{i}}", "image": "image{{i % 2}}.png", "prompt": "{{(i == 2 ? "What is shown?" : "Describe this image in detail.")}}"}"""));
        var boxes = Path.Combine(_folder, "boxes.jsonl");
        await File.WriteAllLinesAsync(boxes, Enumerable.Range(0, 4).Select(i => $$"""{"id": "i{{i}}", "image": "i{{i}}", "instances": [{"category": "dog", "bbox": [0.1, 0.1, 0.5, 0.5]}]}"""));
        string[] streams = ["--annotations", boxes];
        if (models)
        {
            var reward = Path.Combine(_folder, "reward-model");
            Directory.CreateDirectory(reward);
            foreach (var file in Directory.GetFiles(Path.Combine(Fixtures, "hf")))
            {
                File.Copy(file, Path.Combine(reward, Path.GetFileName(file)));
            }

            string[] errors = ["null", "null", "\"object_hallucination\"", "\"attribute\"", "\"relationship\""];
            var labels = string.Join(", ", errors.Select((error, i) => $$"""
                "{{i + 1}}": {"score": {{(i < 2 ? i + 1 : -1)}}, "error": {{error}}, "creative": {{(i == 1 ? "true" : "false")}}}
                """));
            await File.WriteAllTextAsync(
                Path.Combine(reward, "vigor_reward.json"),
                "{\"kind\": \"fine_grained\", \"prompt_template\": \"Assess the accuracy of the last sentence in the following description of this image, and return a single number.\\n{description}\", \"labels\": {" + labels + "}}");
            streams = ["--detector", Path.Combine(AppContext.BaseDirectory, "Fixtures", "GroundingDino"), "--reward-model", reward, "--sources", "both"];
        }

        async Task<string> Journal(string batch, params string[] extra)
        {
            var work = Path.Combine(_folder, $"b{batch}-t{temperature}{string.Concat(extra)}");
            Assert.Equal(0, await VigorApp.Create().RunAsync([
                "run", "--data", data, "--images", Fixtures, "--model", Path.Combine(Fixtures, "hf"), .. streams, .. extra,
                "-k", "3", "--max-new-tokens", "10", "--temperature", temperature, "--image-batch", batch, "--supervision-only", "--work", work]));
            return await File.ReadAllTextAsync(Path.Combine(work, "round-0", "scores.jsonl"));
        }

        var one = await Journal("1");
        Assert.Equal(one, await Journal("2"));
        Assert.Equal(one, await Journal("4"));
        if (models)
        {
            // Four images in one reward-model pass: the same records up to float rounding of the batched kernels.
            JsonAssert.Close(one, await Journal("4", "--reward-images-per-pass", "4"), relativeTolerance: 1e-4);
        }

        var records = SupervisionJournal.Read(Path.Combine(_folder, $"b1-t{temperature}", "round-0", "scores.jsonl"));
        Assert.Equal(4, records.Count);
        if (models)
        {
            // Both streams spoke: the reward model judged sentences by first token, the detector judged nouns.
            var signals = records.SelectMany(r => r.Samples).SelectMany(s => s.Sentences).SelectMany(x => x.Signals).ToList();
            Assert.Contains(signals, p => p.Key == RewardStreams.RewardModel && RewardModelEvidence.From(p.Value)?.Score is not null);
            Assert.Contains(signals, p => p.Key == RewardStreams.Automatic);
            Assert.Contains(";first_token", SupervisionJournal.ReadAll(Path.Combine(_folder, $"b1-t{temperature}", "round-0", "scores.jsonl")).Header!.Settings["reward_model.model"], StringComparison.Ordinal);
        }
    }
}

/// <summary>Compares JSON Lines texts: the same structure, strings and booleans exactly, numbers to a relative tolerance.</summary>
internal static class JsonAssert
{
    public static void Close(string expected, string actual, double relativeTolerance)
    {
        var want = expected.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var got = actual.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(want.Length, got.Length);
        for (int i = 0; i < want.Length; i++)
        {
            using var a = System.Text.Json.JsonDocument.Parse(want[i]);
            using var b = System.Text.Json.JsonDocument.Parse(got[i]);
            Close(a.RootElement, b.RootElement, $"line {i + 1}", relativeTolerance);
        }
    }

    private static void Close(System.Text.Json.JsonElement a, System.Text.Json.JsonElement b, string path, double tolerance)
    {
        Assert.True(a.ValueKind == b.ValueKind, $"{path}: {a.ValueKind} vs {b.ValueKind}");
        switch (a.ValueKind)
        {
            case System.Text.Json.JsonValueKind.Object:
                Assert.Equal(a.EnumerateObject().Select(p => p.Name), b.EnumerateObject().Select(p => p.Name));
                foreach (var p in a.EnumerateObject())
                {
                    Close(p.Value, b.GetProperty(p.Name), $"{path}.{p.Name}", tolerance);
                }

                break;
            case System.Text.Json.JsonValueKind.Array:
                Assert.True(a.GetArrayLength() == b.GetArrayLength(), $"{path}: {a.GetArrayLength()} vs {b.GetArrayLength()} items");
                foreach (var (x, y, k) in a.EnumerateArray().Zip(b.EnumerateArray()).Select((p, k) => (p.First, p.Second, k)))
                {
                    Close(x, y, $"{path}[{k}]", tolerance);
                }

                break;
            case System.Text.Json.JsonValueKind.Number:
                double u = a.GetDouble(), v = b.GetDouble();
                Assert.True(Math.Abs(u - v) <= tolerance * Math.Max(1, Math.Max(Math.Abs(u), Math.Abs(v))), $"{path}: {u} vs {v}");
                break;
            default:
                Assert.True(a.GetRawText() == b.GetRawText(), $"{path}: {a.GetRawText()} vs {b.GetRawText()}");
                break;
        }
    }
}
