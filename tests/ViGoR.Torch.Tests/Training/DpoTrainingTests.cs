using ViGoR.Torch.Training;
using static TorchSharp.torch;

namespace ViGoR.Torch.Tests.Training;

public sealed class DpoTrainingTests : IDisposable
{
    private const string Prompt = "Describe this image in detail.";

    private readonly string _directory = Directory.CreateTempSubdirectory("vigor-dpo-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static List<PreferencePair> Pairs() =>
    [
        new(ImageInput.FromFile(TinyLlava.Image(0)), Prompt, "A red square on a blue background.", "A red square and a green dog on a blue background.") { Source = "a" },
        new(ImageInput.FromFile(TinyLlava.Image(1)), Prompt, "Two green circles.", "Two green circles next to a yellow car.") { Source = "b" },
        new(ImageInput.FromFile(TinyLlava.Image(0)), "What is in the image?", "A square.", "A square and a cat.") { Source = "c" },
        new(ImageInput.FromFile(TinyLlava.Image(1)), "What is in the image?", "Circles.", "Circles and a tree.") { Source = "d" },
    ];

    private static FineTuningOptions Options(string? checkpoints = null, int loraRank = 0, double learningRate = 1e-3)
    {
        var options = new FineTuningOptions { LearningRate = learningRate, Epochs = 3, BatchSize = 2, MicroBatchSize = 1, Seed = 5, WarmupRatio = 0, CheckpointDirectory = checkpoints };
        new LlavaFineTuningOptions { LoraRank = loraRank }.ApplyTo(options);
        return options;
    }

    // Σ over pairs of log π(chosen) − log π(rejected), under the model as it is now.
    private static async Task<double> MarginAsync(LlavaVisionLanguageModel model, IReadOnlyList<PreferencePair> pairs)
    {
        var scored = await model.ComputeReferenceLogProbsAsync(pairs, 4);
        return scored.Sum(p => p.ReferenceChosenLogProb!.Value - p.ReferenceRejectedLogProb!.Value);
    }

    private static async Task<(double MarginBefore, double MarginAfter, List<double> Losses)> TrainAsync(IReadOnlyList<PreferencePair> trainOn, IReadOnlyList<PreferencePair> measureOn, DpoOptions dpo, int loraRank = 0, double learningRate = 1e-3)
    {
        using var model = TinyLlava.Load(TinyLlava.HuggingFace);
        double before = await MarginAsync(model, measureOn);
        var losses = new List<double>();
        var trainer = new DpoTrainer(model, dpo);
        await trainer.TrainAsync(trainOn, Options(loraRank: loraRank, learningRate: learningRate), new SyncProgress<FineTuningProgress>(p => losses.Add(p.Loss)));
        return (before, await MarginAsync(model, measureOn), losses);
    }

    [Theory]
    [InlineData(PreferenceLoss.Sigmoid, 0.0, 0)]
    [InlineData(PreferenceLoss.Sigmoid, 0.0, 4)]
    [InlineData(PreferenceLoss.Ipo, 0.0, 0)]
    [InlineData(PreferenceLoss.Sigmoid, 1.0, 0)]
    public async Task LossFallsAndTheChosenMinusRejectedMarginGrows(PreferenceLoss loss, double sftWeight, int loraRank)
    {
        var dpo = new DpoOptions { Beta = 0.5, Loss = loss, SftWeight = sftWeight };
        // IPO's target margin is reached in a step or two at 1e-3 on this tiny model, and Adam then overshoots it.
        var (before, after, losses) = await TrainAsync(Pairs(), Pairs(), dpo, loraRank, loss == PreferenceLoss.Ipo ? 1e-4 : 1e-3);

        Assert.Equal(6, losses.Count);
        if (loss == PreferenceLoss.Sigmoid && sftWeight == 0)
        {
            // At step 0 the policy is the reference (LoRA's B starts at zero), so h = 0 and the loss is -log σ(0) = ln 2.
            Assert.Equal(Math.Log(2), losses[0], 1e-5);
        }

        Assert.True(losses[^1] < losses[0] - 0.01, $"loss {string.Join(", ", losses.Select(l => l.ToString("F4")))}; margin {before:F3} -> {after:F3}");
        Assert.True(after > before + 0.5, $"margin {before:F3} -> {after:F3}");
    }

    [Fact]
    public async Task SwappedPairsMakeTheMarginShrink()
    {
        var pairs = Pairs();
        var swapped = pairs.Select(p => p with { Chosen = p.Rejected, Rejected = p.Chosen }).ToList();
        var (before, after, _) = await TrainAsync(swapped, pairs, new DpoOptions { Beta = 0.5 });

        Assert.True(after < before - 0.5, $"margin {before:F3} -> {after:F3}");
    }

    [Fact]
    public async Task StoredReferenceEqualsAFreshForwardOfEachPairAlone()
    {
        var path = Path.Combine(_directory, "pairs.jsonl");
        IReadOnlyList<PreferencePair> stored;
        using (var model = TinyLlava.Load(TinyLlava.HuggingFace))
        {
            stored = await PreferencePairs.WithReferenceAsync(model, Pairs(), path, new JournalHeader { VigorJournal = "x" }, batchSize: 3);
        }

        var reread = PreferencePairs.Read(path, id => ImageInput.FromId(id)).Pairs;
        using var fresh = TinyLlava.Load(TinyLlava.HuggingFace);
        for (int i = 0; i < stored.Count; i++)
        {
            var alone = (await fresh.ComputeReferenceLogProbsAsync([Pairs()[i]], 1))[0];
            // Equal to float32 rounding: padded batches change the order of the matmuls' sums, not the values (relative 1e-5).
            Assert.Equal(alone.ReferenceChosenLogProb!.Value, reread[i].ReferenceChosenLogProb!.Value, 1e-5 * Math.Abs(alone.ReferenceChosenLogProb.Value));
            Assert.Equal(alone.ReferenceRejectedLogProb!.Value, reread[i].ReferenceRejectedLogProb!.Value, 1e-5 * Math.Abs(alone.ReferenceRejectedLogProb.Value));
            Assert.Equal(alone.ChosenTokens, reread[i].ChosenTokens);
            Assert.True(reread[i].RejectedTokens > reread[i].ChosenTokens);
        }

        // A second call reads the file instead of running the model: a pair built differently now is refused.
        var changed = Pairs();
        changed[1] = changed[1] with { Rejected = "Something else." };
        var error = await Assert.ThrowsAsync<InvalidDataException>(() => PreferencePairs.WithReferenceAsync(fresh, changed, path, new JournalHeader { VigorJournal = "x" }));
        Assert.Contains("pair 2 ('b')", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SigmoidGradientIsMinusBetaTimesSigmoidOfMinusBetaH()
    {
        foreach (var beta in new[] { 0.5, 0.1, 1e-9 })
        {
            using var scope = NewDisposeScope();
            var chosen = tensor(new[] { -10.0, -3.0 }, ScalarType.Float64).requires_grad_();
            var rejected = tensor(new[] { -12.0, -2.0 }, ScalarType.Float64).requires_grad_();
            var refChosen = tensor(new[] { -11.0, -3.5 }, ScalarType.Float64);
            var refRejected = tensor(new[] { -11.5, -2.5 }, ScalarType.Float64);
            var tokens = tensor(new[] { 4.0, 5.0 }, ScalarType.Float64);
            var loss = DpoLoss.Compute(chosen, rejected, refChosen, refRejected, tokens, tokens, new DpoOptions { Beta = beta });
            loss.sum().backward();

            double[] h = [(-10.0 - -12.0) - (-11.0 - -11.5), (-3.0 - -2.0) - (-3.5 - -2.5)];
            var grad = chosen.grad!.data<double>().ToArray();
            var gradRejected = rejected.grad!.data<double>().ToArray();
            for (int i = 0; i < 2; i++)
            {
                double expected = -beta / (1 + Math.Exp(beta * h[i]));
                Assert.Equal(expected, grad[i], 1e-12);
                Assert.Equal(-expected, gradRejected[i], 1e-12);
                Assert.Equal(Math.Log(1 + Math.Exp(-beta * h[i])), loss.data<double>()[i], 1e-12);
            }

            if (beta < 1e-6)
            {
                Assert.All(grad, g => Assert.True(Math.Abs(g) < 1e-9));
            }
        }
    }

    [Fact]
    public void IpoIsTheSquaredDistanceOfTheLengthNormalisedMarginFromOneOverTwoBeta()
    {
        using var scope = NewDisposeScope();
        var loss = DpoLoss.Compute(
            tensor(new[] { -8.0 }, ScalarType.Float64), tensor(new[] { -15.0 }, ScalarType.Float64),
            tensor(new[] { -10.0 }, ScalarType.Float64), tensor(new[] { -12.0 }, ScalarType.Float64),
            tensor(new[] { 4.0 }, ScalarType.Float64), tensor(new[] { 6.0 }, ScalarType.Float64),
            new DpoOptions { Beta = 0.25, Loss = PreferenceLoss.Ipo, SftWeight = 2 });
        double h = ((-8.0 + 10.0) / 4) - ((-15.0 + 12.0) / 6);
        Assert.Equal(Math.Pow(h - 2, 2) + (2 * 8.0 / 4), loss.data<double>()[0], 1e-12);
    }

    [Theory]
    [InlineData(0, "float32", false)]
    [InlineData(4, "bfloat16", true)]
    [InlineData(4, "float16", false)]
    public async Task CancelledRunResumesToTheSameWeightsAndRefusesAnotherBeta(int loraRank, string dtype, bool checkpointing)
    {
        var dpo = new DpoOptions { Beta = 0.5 };
        var modelOptions = new LlavaModelOptions { Device = CPU, DType = dtype switch { "bfloat16" => ScalarType.BFloat16, "float16" => ScalarType.Float16, _ => ScalarType.Float32 } };
        FineTuningOptions Run(string? checkpoints)
        {
            var options = Options(checkpoints, loraRank);
            new LlavaFineTuningOptions { LoraRank = loraRank, GradientCheckpointing = checkpointing }.ApplyTo(options);
            return options;
        }

        IReadOnlyList<PreferencePair> pairs;
        Dictionary<string, Tensor> expected;
        List<double> losses = [];
        using (var reference = LlavaVisionLanguageModel.Load(TinyLlava.HuggingFace, modelOptions))
        {
            pairs = await reference.ComputeReferenceLogProbsAsync(Pairs(), 2);
            await reference.PreferenceTuneAsync(pairs, dpo, Run(null), new SyncProgress<FineTuningProgress>(p => losses.Add(p.Loss)));
            expected = reference.Module.named_parameters().ToDictionary(p => p.name, p => p.parameter.detach().clone().DetachFromDisposeScope());
        }

        // 16-bit weights train through their float32 masters: the preference loss still falls.
        Assert.True(losses[^1] < losses[0], $"loss {string.Join(", ", losses.Select(l => l.ToString("F4")))}");

        var checkpoints = Path.Combine(_directory, "run");
        using (var interrupted = LlavaVisionLanguageModel.Load(TinyLlava.HuggingFace, modelOptions))
        {
            using var cts = new CancellationTokenSource();
            var stop = new SyncProgress<FineTuningProgress>(p =>
            {
                if (p.Step == 2)
                {
                    cts.Cancel();
                }
            });
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => interrupted.PreferenceTuneAsync(pairs, dpo, Run(checkpoints), stop, cts.Token));
        }

        using var resumed = LlavaVisionLanguageModel.Load(TinyLlava.HuggingFace, modelOptions);
        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => resumed.PreferenceTuneAsync(pairs, dpo with { Beta = 0.1 }, Run(checkpoints)));
        Assert.Contains("dpo_beta was 0.5, now 0.1", refused.Message, StringComparison.Ordinal);

        var result = await resumed.PreferenceTuneAsync(pairs, dpo, Run(checkpoints));
        Assert.Equal(2, result.ResumedFromStep);
        Assert.Equal(6, result.Steps);
        foreach (var (name, p) in resumed.Module.named_parameters())
        {
            Assert.True(p.allclose(expected[name], rtol: 0, atol: 0), $"{name} differs after resume");
        }
    }

    [Fact]
    public async Task PairsWithoutReferenceOrFromAnotherTokenizationAreRefused()
    {
        using var model = TinyLlava.Load(TinyLlava.HuggingFace);
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => model.PreferenceTuneAsync(Pairs(), new DpoOptions(), Options()));
        Assert.Contains("has no reference log-probabilities", error.Message, StringComparison.Ordinal);
        Assert.Matches("pair '[abcd]'", error.Message);

        var pairs = await model.ComputeReferenceLogProbsAsync(Pairs(), 4);
        var wrong = pairs.Select(p => p with { ChosenTokens = p.ChosenTokens + 1 }).ToList();
        var mismatch = await Assert.ThrowsAsync<InvalidDataException>(() => model.PreferenceTuneAsync(wrong, new DpoOptions(), Options()));
        Assert.Contains("computed by another model", mismatch.Message, StringComparison.Ordinal);
    }

    private sealed class SyncProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
