using ViGoR.Torch.Training;
using static TorchSharp.torch;

namespace ViGoR.Torch.Tests.Training;

public sealed class LlavaFineTuningTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("vigor-llava-ft-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static List<FineTuningExample> Examples() =>
    [
        new(ImageInput.FromFile(TinyLlava.Image(0)), "Describe this image in detail.", "A red square on a blue background."),
        new(ImageInput.FromFile(TinyLlava.Image(1)), "Describe this image in detail.", "Two green circles."),
        new(ImageInput.FromFile(TinyLlava.Image(0)), "What is in the image?", "A square."),
    ];

    private static FineTuningOptions Options(string? checkpoints = null) => new()
    {
        LearningRate = 1e-3,
        Epochs = 2,
        BatchSize = 2,
        MicroBatchSize = 1,
        Seed = 3,
        CheckpointDirectory = checkpoints,
    };

    private static Dictionary<string, Tensor> Snapshot(LlavaVisionLanguageModel model) =>
        model.Module.named_parameters().ToDictionary(p => p.name, p => p.parameter.detach().clone().DetachFromDisposeScope());

    [Fact]
    public void PaddedMicroBatchesGiveTheSameGradientsAsOneExampleAtATime()
    {
        // Right padding in a micro-batch must change nothing: masked labels, attention mask and positions.
        // The claim is about the accumulated step gradient, so that is what is compared: post-AdamW
        // weights would amplify float rounding wherever a gradient is tiny (m / sqrt(v) ~ sign).
        var examples = Examples().Take(2).ToList();
        var one = StepGradients(examples, microBatchSize: 1);
        var two = StepGradients(examples, microBatchSize: 2);
        Assert.Equal(one.Loss, two.Loss, 1e-5);

        // Float32 sums in another order: agree to ~1e-5 of the largest gradient element.
        AssertSameGradients(one.Gradients, two.Gradients);
    }

    /// <summary>Same names, every element within 1e-5 of the largest gradient element; disposes both.</summary>
    private static void AssertSameGradients(Dictionary<string, Tensor> expected, Dictionary<string, Tensor> actual)
    {
        Assert.Equal(expected.Keys.Order(), actual.Keys.Order());
        var largest = expected.Values.Max(g => g.abs().max().item<float>());
        Assert.True(largest > 1e-3, $"the gradients are too small to compare ({largest})");
        foreach (var (name, g) in expected)
        {
            var difference = (actual[name] - g).abs().max().item<float>();
            Assert.True(difference <= 1e-5 * largest, $"{name}: max |difference| {difference} vs largest gradient {largest}");
        }

        foreach (var g in expected.Values.Concat(actual.Values))
        {
            g.Dispose();
        }
    }

    private static (double Loss, Dictionary<string, Tensor> Gradients) StepGradients(List<FineTuningExample> examples, int microBatchSize, LlavaFineTuningOptions? extra = null, Action<LlavaVisionLanguageModel>? inspect = null)
    {
        using var model = TinyLlava.Load(TinyLlava.HuggingFace);
        var options = Options();
        options.BatchSize = 2;
        options.MicroBatchSize = microBatchSize;
        extra?.ApplyTo(options);
        var settings = LlavaFineTuningOptions.From(options);
        using var target = new LlavaTrainingTarget(model, settings, options.Seed);
        inspect?.Invoke(model);
        var loop = new FineTuningLoop<FineTuningExample>(target, options, settings, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
        target.SetTraining(true);
        var parameters = target.TrainableParameters;
        var (loss, _) = loop.AccumulateGradients(examples, parameters, seed: 7, parameters[0].Parameter.device, CancellationToken.None);
        var gradients = parameters.ToDictionary(p => p.Name, p => p.Parameter.grad!.detach().clone().DetachFromDisposeScope());
        return (loss, gradients);
    }

    [Theory]
    [InlineData(0, true)]
    [InlineData(4, true)]
    [InlineData(4, false)]
    public void GradientCheckpointingGivesTheGradientsOfAnOrdinaryBackward(int loraRank, bool trainProjector)
    {
        // LoRA with dropout: the recomputation must draw the dropout masks of the original forward,
        // or the adapters' gradients differ by far more than rounding. With the projector frozen too,
        // nothing the decoder's input depends on requires grad: the layers must still be in the graph.
        var examples = Examples().Take(2).ToList();
        var plain = new LlavaFineTuningOptions { LoraRank = loraRank, LoraDropout = 0.3, TrainProjectorWithLora = trainProjector };
        var checkpointed = new LlavaFineTuningOptions { LoraRank = loraRank, LoraDropout = 0.3, TrainProjectorWithLora = trainProjector, GradientCheckpointing = true };

        // Proof that the layers really are recomputed: a projection of the first layer runs once per
        // micro-batch in an ordinary step and twice (forward, then backward's recomputation) with checkpointing.
        (double Loss, Dictionary<string, Tensor> Gradients, int Calls) Step(LlavaFineTuningOptions extra)
        {
            int calls = 0;
            var (loss, gradients) = StepGradients(examples, 1, extra, model =>
            {
                var q = (nn.Module<Tensor, Tensor>)model.Module.named_modules().Single(m => m.name == "language_model.model.layers.0.self_attn.q_proj").module;
                q.register_forward_hook((_, _, output) =>
                {
                    calls++;
                    return output;
                });
            });
            return (loss, gradients, calls);
        }

        var expected = Step(plain);
        var actual = Step(checkpointed);
        Assert.Equal(2, expected.Calls);
        Assert.Equal(4, actual.Calls);
        Assert.Equal(expected.Loss, actual.Loss, 1e-6);

        // On the CPU in float32 they are bit-identical: the recomputation runs the same kernels on the same
        // input. Elsewhere the forward that fed the next layer ran with autograd off, where PyTorch may
        // pick another attention kernel, so allow float32 rounding: 1e-5 of the largest element, the
        // bound of the micro-batch test. A wrong dropout mask moves them by ~2e-2 of it.
        AssertSameGradients(expected.Gradients, actual.Gradients);
    }

    [Fact]
    public async Task GradientCheckpointingFollowsTheLossCurveOfAnOrdinaryRun()
    {
        async Task<List<double>> Curve(bool checkpointing)
        {
            using var model = TinyLlava.Load(TinyLlava.HuggingFace);
            var losses = new List<double>();
            var options = Options();
            options.Epochs = 4;
            new LlavaFineTuningOptions { LoraRank = 4, LoraDropout = 0.1, GradientCheckpointing = checkpointing }.ApplyTo(options);
            await model.FineTuneAsync(Examples(), options, new SyncProgress<FineTuningProgress>(p => losses.Add(p.Loss)));
            Assert.False(model.Module.LanguageModel.Model.GradientCheckpointing); // restored after training
            return losses;
        }

        var plain = await Curve(false);
        var checkpointed = await Curve(true);
        Assert.Equal(8, checkpointed.Count);
        Assert.True(plain[^1] < plain[0], $"the run does not learn: {plain[0]} -> {plain[^1]}");
        for (int i = 0; i < plain.Count; i++)
        {
            // Same updates up to float rounding (see the gradient test); AdamW carries that along.
            Assert.True(Math.Abs(checkpointed[i] - plain[i]) <= 1e-5 * Math.Abs(plain[i]), $"step {i + 1}: {checkpointed[i]} vs {plain[i]}");
        }
    }

    [Theory]
    [InlineData(ScalarType.BFloat16)]
    [InlineData(ScalarType.Float16)]
    public async Task SixteenBitTrainingTracksTheFloat32LossCurve(ScalarType sixteenBit)
    {
        // Mixed precision: 16-bit weights and compute, float32 master weights and moments (float16 also
        // with dynamic loss scaling). The loss of each step stays within 5% (+0.02) of float32's: bf16
        // rounds activations to 8 mantissa bits (~0.4%; float16 to 11), and over 12 steps the weights
        // drift apart by about that much per step.
        async Task<List<double>> Curve(ScalarType dtype)
        {
            using var model = LlavaVisionLanguageModel.Load(TinyLlava.HuggingFace, new LlavaModelOptions { Device = CPU, DType = dtype });
            var losses = new List<double>();
            var options = Options(Path.Combine(_directory, dtype.ToString()));
            options.Epochs = 6;
            options.WarmupRatio = 0;

            // A loss scale this model's float16 gradients never overflow at, so that no step is skipped
            // (a skipped step would shift the curve by a step; asserted below).
            new LlavaFineTuningOptions { InitialLossScale = 1024 }.ApplyTo(options);
            await model.FineTuneAsync(Examples(), options, new SyncProgress<FineTuningProgress>(p => losses.Add(p.Loss)));
            Assert.Equal(0, TrainingCheckpoints.ReadState(TrainingCheckpoints.FindLatest(options.CheckpointDirectory!)!).SkippedSteps);
            return losses;
        }

        var full = await Curve(ScalarType.Float32);
        var half = await Curve(sixteenBit);

        Assert.Equal(full.Count, half.Count);
        Assert.True(full[^1] < 0.8 * full[0], $"float32 did not learn: {full[0]} -> {full[^1]}");
        for (int i = 0; i < full.Count; i++)
        {
            Assert.True(Math.Abs(half[i] - full[i]) <= (0.05 * full[i]) + 0.02, $"step {i + 1}: {sixteenBit} loss {half[i]:F4}, float32 {full[i]:F4}");
        }
    }

    [Fact]
    public async Task ShardedSavesWriteAnIndexAndALaterSaveReplacesThemCleanly()
    {
        using var model = TinyLlava.Load(TinyLlava.HuggingFace);
        var output = Path.Combine(_directory, "sharded");
        LlavaCheckpointWriter.Write(model, output, null, CancellationToken.None, maxShardBytes: 100_000);
        var shards = Directory.GetFiles(output, "model-*-of-*.safetensors");
        Assert.True(shards.Length > 1);
        Assert.True(File.Exists(Path.Combine(output, "model.safetensors.index.json")));
        using (var reloaded = TinyLlava.Load(output))
        {
            var expected = Snapshot(model);
            Assert.All(reloaded.Module.named_parameters(), p => Assert.True(p.parameter.allclose(expected[p.name], rtol: 0, atol: 0), p.name));
        }

        // Train, then save into the same folder as one file: the old shards and index must go.
        var options = Options();
        options.Epochs = 1;
        await model.FineTuneAsync(Examples(), options);
        await model.SaveCheckpointAsync(output);
        Assert.Empty(Directory.GetFiles(output, "model-*-of-*.safetensors"));
        Assert.False(File.Exists(Path.Combine(output, "model.safetensors.index.json")));
        using var latest = TinyLlava.Load(output);
        var trained = Snapshot(model);
        Assert.All(latest.Module.named_parameters(), p => Assert.True(p.parameter.allclose(trained[p.name], rtol: 0, atol: 0), p.name));
    }

    [Fact]
    public async Task AFinishedRunIsRestoredNotRepeated()
    {
        // Online ViGoR resumes a job by calling FineTuneAsync again for rounds already done.
        var checkpoints = Path.Combine(_directory, "done");
        using var first = TinyLlava.Load(TinyLlava.HuggingFace);
        var trained = await first.FineTuneAsync(Examples(), Options(checkpoints));

        using var second = TinyLlava.Load(TinyLlava.HuggingFace);
        var reports = 0;
        var restored = await second.FineTuneAsync(Examples(), Options(checkpoints), new SyncProgress<FineTuningProgress>(_ => reports++));

        Assert.Equal(0, reports);
        Assert.Equal(trained.Steps, restored.Steps);
        Assert.Equal(trained.Steps, restored.ResumedFromStep);
        Assert.Equal(trained.FinalLoss, restored.FinalLoss);
        var expected = Snapshot(first);
        foreach (var (name, p) in second.Module.named_parameters())
        {
            Assert.True(p.allclose(expected[name], rtol: 0, atol: 0), name);
        }
    }

    [Fact]
    public async Task FullFineTuningTrainsProjectorAndLanguageModelWithTheVisionTowerFrozen()
    {
        using var model = TinyLlava.Load(TinyLlava.HuggingFace);
        var before = Snapshot(model);
        var reports = new List<FineTuningProgress>();
        var options = Options();
        options.Epochs = 6;
        var result = await model.FineTuneAsync(Examples(), options, new SyncProgress<FineTuningProgress>(reports.Add));

        Assert.Equal(12, result.Steps); // ceil(3 / 2) = 2 steps per epoch
        Assert.True(reports[^1].Loss < reports[1].Loss, $"loss {reports[1].Loss} -> {reports[^1].Loss}");
        foreach (var (name, p) in model.Module.named_parameters())
        {
            var changed = !p.allclose(before[name], rtol: 0, atol: 0);
            Assert.True(changed == !name.StartsWith("vision_tower.", StringComparison.Ordinal), $"{name} changed: {changed}");
        }

        Assert.All(model.Module.parameters(), p => Assert.Null(p.grad));
    }

    [Fact]
    public async Task OnlyAnswerTokensAreSupervised()
    {
        using var model = TinyLlava.Load(TinyLlava.HuggingFace);
        using var target = new LlavaTrainingTarget(model, new LlavaFineTuningOptions(), 0);
        var example = Examples()[0];
        var prompt = ViGoR.Torch.Tokenization.ConversationTemplate.Format(model.ConversationMode, example.Prompt);
        var answerTokens = model.Tokenizer.EncodeForTraining(prompt, example.Target).Labels.Count(l => l != -100);
        using var generator = new Generator(1);
        using var scope = NewDisposeScope();
        var (loss, tokens) = target.ComputeLoss([example], generator);
        Assert.Equal(answerTokens, tokens); // the answer and its EOS; never the prompt or the image features
        Assert.True(loss.item<float>() > 0);
        await Task.CompletedTask;
    }

    [Fact]
    public async Task SavedCheckpointLoadsBackWithTheSameWeightsAndFiles()
    {
        using var model = TinyLlava.Load(TinyLlava.HuggingFace);
        var options = Options();
        options.Epochs = 1;
        await model.FineTuneAsync(Examples(), options);
        var output = Path.Combine(_directory, "out");
        await model.SaveCheckpointAsync(output);

        foreach (var file in new[] { "config.json", "tokenizer.model", "tokenizer_config.json", "preprocessor_config.json", "model.safetensors" })
        {
            Assert.True(File.Exists(Path.Combine(output, file)), file);
        }

        Assert.Empty(Directory.GetFiles(output, "*.tmp"));
        using var reloaded = TinyLlava.Load(output);
        var saved = Snapshot(model);
        foreach (var (name, p) in reloaded.Module.named_parameters())
        {
            Assert.True(p.allclose(saved[name], rtol: 0, atol: 0), name);
        }
    }

    [Fact]
    public async Task OriginalLlavaLayoutIsSavedInItsOwnLayoutAndLoadsBack()
    {
        using var model = TinyLlava.Load(TinyLlava.Original);
        var options = Options();
        options.Epochs = 1;
        await model.FineTuneAsync(Examples().Take(2).ToList(), options);
        var output = Path.Combine(_directory, "original-out");
        await model.SaveCheckpointAsync(output);
        Assert.True(File.Exists(Path.Combine(output, "model.safetensors")));

        using var reloaded = LlavaVisionLanguageModel.Load(output, new LlavaModelOptions { Device = CPU, DType = ScalarType.Float32, VisionTowerDirectory = TinyLlava.Clip });
        Assert.Equal(ViGoR.Torch.Modeling.LlavaCheckpointLayout.OriginalLlava, reloaded.Config.Layout);
        var saved = Snapshot(model);
        foreach (var (name, p) in reloaded.Module.named_parameters())
        {
            Assert.True(p.allclose(saved[name], rtol: 0, atol: 0), name);
        }
    }

    [Theory]
    [InlineData("full", "float32")]
    [InlineData("full", "bfloat16")]
    [InlineData("full", "float16")]
    [InlineData("lora", "float32")]
    [InlineData("full", "float32", true)]
    [InlineData("lora", "float32", true)]
    public async Task CancelledRunResumesToTheSameWeightsAsAnUninterruptedOne(string mode, string dtype, bool checkpointing = false)
    {
        var examples = Examples();
        var modelOptions = new LlavaModelOptions { Device = CPU, DType = dtype switch { "bfloat16" => ScalarType.BFloat16, "float16" => ScalarType.Float16, _ => ScalarType.Float32 } };
        FineTuningOptions Run(string? checkpoints)
        {
            var options = Options(checkpoints);
            new LlavaFineTuningOptions { LoraRank = mode == "lora" ? 4 : 0, GradientCheckpointing = checkpointing }.ApplyTo(options);
            return options;
        }

        using var reference = LlavaVisionLanguageModel.Load(TinyLlava.HuggingFace, modelOptions);
        var full = await reference.FineTuneAsync(examples, Run(null));
        Assert.Equal(4, full.Steps);

        var checkpoints = Path.Combine(_directory, "run");
        using (var interrupted = LlavaVisionLanguageModel.Load(TinyLlava.HuggingFace, modelOptions))
        {
            using var cts = new CancellationTokenSource();
            var stopAfterTwo = new SyncProgress<FineTuningProgress>(p =>
            {
                if (p.Step == 2)
                {
                    cts.Cancel();
                }
            });
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => interrupted.FineTuneAsync(examples, Run(checkpoints), stopAfterTwo, cts.Token));
        }

        // The checkpoint is itself a loadable model folder, and holds each tensor once: the trained
        // weights are in the model folder (or its PEFT adapter), not again beside the optimizer state.
        using (var atTwo = TinyLlava.Load(Path.Combine(checkpoints, "checkpoint-2")))
        {
            Assert.NotNull(atTwo.Module);
        }

        Assert.False(File.Exists(Path.Combine(checkpoints, "checkpoint-2", TrainingCheckpoints.TrainerFolder, TrainingCheckpoints.TrainableFile)));

        using var resumed = LlavaVisionLanguageModel.Load(TinyLlava.HuggingFace, modelOptions);
        if (checkpointing)
        {
            // Checkpointing changes the gradients by rounding: a resume without it would not be this run.
            var plain = Run(checkpoints);
            plain.AdditionalProperties[LlavaFineTuningOptions.GradientCheckpointingKey] = false;
            var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => resumed.FineTuneAsync(examples, plain));
            Assert.Contains("gradient_checkpointing was true, now unset", refused.Message, StringComparison.Ordinal);
        }

        var result = await resumed.FineTuneAsync(examples, Run(checkpoints));
        Assert.Equal(2, result.ResumedFromStep);
        Assert.Equal(4, result.Steps);
        var expected = Snapshot(reference);
        foreach (var (name, p) in resumed.Module.named_parameters())
        {
            Assert.True(p.allclose(expected[name], rtol: 0, atol: 0), $"{name} differs after resume");
        }
    }

    [Fact]
    public async Task LoraTrainsOnlyAdaptersThenMergesThemIntoTheAttentionProjections()
    {
        using var model = TinyLlava.Load(TinyLlava.HuggingFace);
        var before = Snapshot(model);
        var options = Options();
        options.Epochs = 2;
        new LlavaFineTuningOptions { LoraRank = 4, LoraDropout = 0.1, LoraTargets = LoraTargets.AttentionOnly, TrainProjectorWithLora = false }.ApplyTo(options);
        var checkpoints = Path.Combine(_directory, "lora");
        options.CheckpointDirectory = checkpoints;
        await model.FineTuneAsync(Examples(), options);

        foreach (var (name, p) in model.Module.named_parameters())
        {
            var isTarget = name.StartsWith("language_model.", StringComparison.Ordinal)
                && LoraAdapters.AttentionProjections.Any(t => name.EndsWith($".{t}.weight", StringComparison.Ordinal));
            var changed = !p.allclose(before[name], rtol: 0, atol: 0);
            Assert.True(changed == isTarget, $"{name} changed: {changed}");
        }

        // The checkpoint holds merged weights (loadable as a plain model) and the PEFT adapter.
        var last = Path.Combine(checkpoints, File.ReadAllText(Path.Combine(checkpoints, "latest")));
        Assert.True(File.Exists(Path.Combine(last, "adapter_model.safetensors")));
        Assert.Contains("\"peft_type\": \"LORA\"", File.ReadAllText(Path.Combine(last, "adapter_config.json")), StringComparison.Ordinal);
        using var reloaded = TinyLlava.Load(last);
        var merged = Snapshot(model);
        foreach (var (name, p) in reloaded.Module.named_parameters())
        {
            Assert.True(p.allclose(merged[name], rtol: 1e-5, atol: 1e-6), name);
        }
    }

    [Fact]
    public async Task LlavaLoraRecipeAdaptsEveryLinearLayerTrainsTheProjectorAndSavesItAsModulesToSave()
    {
        using var model = TinyLlava.Load(TinyLlava.HuggingFace);
        var before = Snapshot(model);
        var options = Options();
        options.Epochs = 2;
        new LlavaFineTuningOptions { LoraRank = 4 }.ApplyTo(options); // defaults: all linear layers, projector trained
        var checkpoints = Path.Combine(_directory, "lora-all");
        options.CheckpointDirectory = checkpoints;
        await model.FineTuneAsync(Examples(), options);

        foreach (var (name, p) in model.Module.named_parameters())
        {
            var adapted = name.StartsWith("language_model.", StringComparison.Ordinal) && LoraAdapters.AllLinear.Any(t => name.EndsWith($".{t}.weight", StringComparison.Ordinal));
            var projector = name.StartsWith(LlavaTrainingTarget.ProjectorPrefix, StringComparison.Ordinal);
            var changed = !p.allclose(before[name], rtol: 0, atol: 0);
            Assert.True(changed == (adapted || projector), $"{name} changed: {changed}");
        }

        var last = Path.Combine(checkpoints, File.ReadAllText(Path.Combine(checkpoints, "latest")));
        var config = File.ReadAllText(Path.Combine(last, "adapter_config.json"));
        Assert.Contains("\"multi_modal_projector\"", config, StringComparison.Ordinal);
        foreach (var target in LoraAdapters.AllLinear)
        {
            Assert.Contains($"\"{target}\"", config, StringComparison.Ordinal);
        }

        var adapter = TorchSharp.PyBridge.Safetensors.LoadStateDict(Path.Combine(last, "adapter_model.safetensors"));
        Assert.Contains(adapter.Keys, k => k == "base_model.model.multi_modal_projector.linear_1.weight");
        Assert.True(adapter["base_model.model.multi_modal_projector.linear_1.weight"].allclose(model.Module.named_parameters().First(p => p.name == "multi_modal_projector.linear_1.weight").parameter, rtol: 0, atol: 0));
        foreach (var t in adapter.Values)
        {
            t.Dispose();
        }
    }

    private sealed class SyncProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
