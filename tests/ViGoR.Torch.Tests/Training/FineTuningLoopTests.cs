using Microsoft.Extensions.Logging.Abstractions;
using TorchSharp.PyBridge;
using ViGoR.Torch.Training;
using static TorchSharp.torch;

namespace ViGoR.Torch.Tests.Training;

public sealed class FineTuningLoopTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("vigor-train-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static FineTuningOptions Options(string? checkpoints = null) => new()
    {
        LearningRate = 1e-2,
        Epochs = 2,
        BatchSize = 4,
        MicroBatchSize = 2,
        WarmupRatio = 0.2,
        WeightDecay = 0.01,
        Seed = 7,
        CheckpointDirectory = checkpoints,
    };

    [Fact]
    public void ScheduleWarmsUpLinearlyThenDecaysAsHuggingFaceCosine()
    {
        var schedule = new LearningRateSchedule(2e-5, 100, 0.03);
        Assert.Equal(3, schedule.WarmupSteps);
        Assert.Equal(0, schedule.At(0));
        Assert.Equal(2e-5 / 3, schedule.At(1), 12);
        Assert.Equal(2e-5, schedule.At(3), 12);
        Assert.Equal(2e-5 * 0.5 * (1 + Math.Cos(Math.PI * 48 / 97)), schedule.At(51), 12);
        Assert.True(schedule.At(99) < 1e-8);
    }

    [Fact]
    public void TrainingLowersTheLossAndReportsEveryStep()
    {
        using var model = new TinyCausalLm(1, dropout: 0);
        var examples = TinyExample.Make(8, 3);
        var reports = new List<FineTuningProgress>();
        var options = Options();
        options.Epochs = 10;
        options.LearningRate = 5e-2;
        var loop = new FineTuningLoop<TinyExample>(model, options, new LlavaFineTuningOptions(), NullLogger.Instance);
        var result = loop.Run(examples, "tiny", new SyncProgress<FineTuningProgress>(reports.Add), CancellationToken.None);

        Assert.Equal(20, result.Steps);
        Assert.Equal(Enumerable.Range(1, 20), reports.Select(r => r.Step));
        Assert.All(reports, r => Assert.Equal(20, r.TotalSteps));
        Assert.Equal(0, reports[0].LearningRate); // Hugging Face's warm-up starts at 0
        Assert.True(reports[^1].Loss < reports[0].Loss * 0.8, $"loss {reports[0].Loss} -> {reports[^1].Loss}");
    }

    [Fact]
    public void MicroBatchSizeDoesNotChangeTheUpdate()
    {
        var examples = TinyExample.Make(8, 3);
        using var a = new TinyCausalLm(1, dropout: 0);
        using var b = new TinyCausalLm(1, dropout: 0);
        var oa = Options();
        oa.MicroBatchSize = 1;
        var ob = Options();
        ob.MicroBatchSize = 4;
        new FineTuningLoop<TinyExample>(a, oa, new LlavaFineTuningOptions(), NullLogger.Instance).Run(examples, "tiny", null, CancellationToken.None);
        new FineTuningLoop<TinyExample>(b, ob, new LlavaFineTuningOptions(), NullLogger.Instance).Run(examples, "tiny", null, CancellationToken.None);
        foreach (var ((name, pa), (_, pb)) in a.TrainableParameters.Zip(b.TrainableParameters))
        {
            Assert.True(pa.allclose(pb, rtol: 1e-4, atol: 1e-6), name);
        }
    }

    [Fact]
    public void StoppedAndResumedRunEqualsAnUninterruptedOne()
    {
        var examples = TinyExample.Make(10, 5); // 3 steps per epoch, the last one short
        using var reference = new TinyCausalLm(11);
        var full = new FineTuningLoop<TinyExample>(reference, Options(), new LlavaFineTuningOptions(), NullLogger.Instance)
            .Run(examples, "tiny", null, CancellationToken.None);
        Assert.Equal(6, full.Steps);

        var checkpoints = Path.Combine(_directory, "run");
        using var interrupted = new TinyCausalLm(11);
        using var cts = new CancellationTokenSource();
        var steps = 0;
        var stopAfterTwo = new SyncProgress<FineTuningProgress>(_ =>
        {
            if (++steps == 2)
            {
                cts.Cancel();
            }
        });
        Assert.Throws<OperationCanceledException>(() =>
            new FineTuningLoop<TinyExample>(interrupted, Options(checkpoints), new LlavaFineTuningOptions(), NullLogger.Instance)
                .Run(examples, "tiny", stopAfterTwo, cts.Token));
        Assert.Equal("checkpoint-2", File.ReadAllText(Path.Combine(checkpoints, "latest")));
        Assert.True(File.Exists(Path.Combine(checkpoints, "checkpoint-2", "model.safetensors")));

        // A fresh process: new model object with the initial weights, same checkpoint directory.
        using var resumed = new TinyCausalLm(11);
        var result = new FineTuningLoop<TinyExample>(resumed, Options(checkpoints), new LlavaFineTuningOptions(), NullLogger.Instance)
            .Run(examples, "tiny", null, CancellationToken.None);

        Assert.Equal(2, result.ResumedFromStep);
        Assert.Equal(6, result.Steps);
        Assert.Equal(full.FinalLoss, result.FinalLoss);
        foreach (var ((name, pr), (_, pf)) in resumed.TrainableParameters.Zip(reference.TrainableParameters))
        {
            Assert.True(pr.allclose(pf, rtol: 0, atol: 0), $"{name} differs after resume");
        }

        // Only the newest checkpoint is kept, and its model file holds the final weights.
        Assert.Equal(["checkpoint-6"], Directory.GetDirectories(checkpoints).Select(Path.GetFileName));
        var saved = Safetensors.LoadStateDict(Path.Combine(checkpoints, "checkpoint-6", "model.safetensors"));
        Assert.True(saved["_head.weight"].allclose(reference.TrainableParameters.Single(p => p.Name == "_head.weight").Parameter, rtol: 0, atol: 0));
    }

    [Fact]
    public void ResumingWithOtherDataOrSettingsIsRefusedWithTheDifferences()
    {
        var examples = TinyExample.Make(4, 5);
        var checkpoints = Path.Combine(_directory, "run");
        using (var model = new TinyCausalLm(1))
        {
            var options = Options(checkpoints);
            options.Epochs = 1;
            new FineTuningLoop<TinyExample>(model, options, new LlavaFineTuningOptions(), NullLogger.Instance).Run(examples, "data-a", null, CancellationToken.None);
        }

        using var other = new TinyCausalLm(1);
        var changed = Options(checkpoints);
        changed.Epochs = 1;
        changed.LearningRate = 5e-3;
        var error = Assert.Throws<InvalidOperationException>(() =>
            new FineTuningLoop<TinyExample>(other, changed, new LlavaFineTuningOptions(), NullLogger.Instance).Run(examples, "data-b", null, CancellationToken.None));
        Assert.Contains("the examples differ", error.Message, StringComparison.Ordinal);
        Assert.Contains("learning_rate", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TwoRunsCannotShareACheckpointDirectory()
    {
        var checkpoints = Path.Combine(_directory, "shared");
        using var held = TrainingCheckpoints.Lock(checkpoints);
        using var model = new TinyCausalLm(1);
        var error = Assert.Throws<InvalidOperationException>(() =>
            new FineTuningLoop<TinyExample>(model, Options(checkpoints), new LlavaFineTuningOptions(), NullLogger.Instance).Run(TinyExample.Make(4, 1), "tiny", null, CancellationToken.None));
        Assert.Contains("Another fine-tuning run", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void BatchSizeMustBeAMultipleOfTheMicroBatch()
    {
        using var model = new TinyCausalLm(1);
        var options = Options();
        options.MicroBatchSize = 3;
        var error = Assert.Throws<ArgumentException>(() => new FineTuningLoop<TinyExample>(model, options, new LlavaFineTuningOptions(), NullLogger.Instance));
        Assert.Contains("multiple of MicroBatchSize", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SafetensorsWriterRoundTripsThroughPyBridge()
    {
        var path = Path.Combine(_directory, "t.safetensors");
        using var a = arange(6, ScalarType.Float32).reshape(2, 3);
        using var b = tensor(new long[] { 1, -2, 3 });
        using var c = ones(5, dtype: ScalarType.BFloat16);
        SafetensorsWriter.Write(path, [new("a", a), new("b", b), new("c", c)]);
        var read = Safetensors.LoadStateDict(path);
        Assert.True(read["a"].allclose(a, rtol: 0, atol: 0));
        Assert.True(read["b"].allclose(b, rtol: 0, atol: 0));
        Assert.Equal(ScalarType.BFloat16, read["c"].dtype);
        var headerLength = BitConverter.ToInt64(File.ReadAllBytes(path), 0);
        Assert.Equal(0, headerLength % 8); // data stays 8-byte aligned
    }

    private static LlavaFineTuningOptions Scaling(double initial, int growthInterval = 2000, double adamEpsilon = 1e-8) =>
        new() { InitialLossScale = initial, LossScaleGrowthInterval = growthInterval, AdamEpsilon = adamEpsilon };

    private static Dictionary<string, Tensor> Weights(TinyCausalLm model) =>
        model.TrainableParameters.ToDictionary(p => p.Name, p => p.Parameter.detach().to(ScalarType.Float32).clone().DetachFromDisposeScope());

    // Float16 fine-tuning with dynamic loss scaling (PyTorch's GradScaler rules).
    private static FineTuningOptions ScalingOptions(string? checkpoints = null, int epochs = 2)
    {
        var options = Options(checkpoints);
        options.Epochs = epochs;
        options.WarmupRatio = 0;
        options.WeightDecay = 0;
        return options;
    }

    private static FineTuningResult Train(TinyCausalLm model, FineTuningOptions options, LlavaFineTuningOptions extra, IProgress<FineTuningProgress>? progress = null, CancellationToken cancellationToken = default) =>
        new FineTuningLoop<TinyExample>(model, options, extra, NullLogger.Instance).Run(TinyExample.Make(8, 3), "tiny", progress, cancellationToken);

    [Fact]
    public void GradientsTooSmallForFloat16ReachTheWeightsThroughTheLossScale()
    {
        // A loss scaled by 1e-7 has per-weight gradients around 1e-9: below float16's smallest
        // subnormal (6e-8), so unscaled they flush to zero. Adam's update does not depend on the
        // gradient's magnitude (with an ε below it: 1e-12 here), so float32 moves every weight by
        // about lr per step all the same.
        using var full = new TinyCausalLm(1, dropout: 0, lossFactor: 1e-7);
        using var scaled = new TinyCausalLm(1, dropout: 0, dtype: ScalarType.Float16, lossFactor: 1e-7);
        using var unscaled = new TinyCausalLm(1, dropout: 0, dtype: ScalarType.Float16, lossFactor: 1e-7);
        var start = Weights(scaled);

        Train(full, ScalingOptions(), Scaling(65536, adamEpsilon: 1e-12));
        Train(scaled, ScalingOptions(), Scaling(65536, adamEpsilon: 1e-12));
        Train(unscaled, ScalingOptions(), Scaling(1, adamEpsilon: 1e-12));

        var fullWeights = Weights(full);
        foreach (var (name, w) in Weights(scaled))
        {
            var moved = (fullWeights[name] - start[name]).abs().max().item<float>();
            Assert.True(moved > 0.02, $"{name}: float32 moved only {moved}");

            // The update float16 made, against float32's: apart by the start's rounding (float16 weights
            // compute slightly other gradients) and by Adam's sign-like steps on weights whose gradient is
            // near zero, but the same update overall (measured: 1.9 %, 5.2 % and 0.3 % for the three tensors).
            var update = (fullWeights[name] - start[name]).norm().item<float>();
            var error = (w - fullWeights[name]).norm().item<float>() / update;
            Assert.True(error < 0.1, $"{name}: float16's update with loss scaling is {error:P1} (relative L2) from float32's");
        }

        foreach (var (name, w) in Weights(unscaled))
        {
            Assert.True(w.allclose(start[name], rtol: 0, atol: 0), $"{name}: without a loss scale the float16 gradients should all have flushed to zero");
        }
    }

    [Fact]
    public void AnOverflowedStepChangesNothingAndHalvesTheScale()
    {
        using var model = new TinyCausalLm(1, dropout: 0, dtype: ScalarType.Float16);
        var start = Weights(model);
        var checkpoints = Path.Combine(_directory, "overflow");

        // 2^40 times a gradient of ~1e-2 is far past float16's 65504: both steps of one epoch overflow.
        var result = Train(model, ScalingOptions(checkpoints, epochs: 1), Scaling(Math.Pow(2, 40)));

        Assert.Equal(2, result.Steps);
        foreach (var (name, w) in Weights(model))
        {
            Assert.True(w.allclose(start[name], rtol: 0, atol: 0), $"{name} changed in a skipped step");
        }

        var state = TrainingCheckpoints.ReadState(TrainingCheckpoints.FindLatest(checkpoints)!);
        Assert.Equal(Math.Pow(2, 38), state.LossScale);
        Assert.Equal(2, state.SkippedSteps);
    }

    [Fact]
    public void CleanStepsGrowTheScaleAndAResumedRunScalesAsAnUninterruptedOne()
    {
        // Growth every 2 clean steps from 2^10; 4 steps: 2^10, 2^10, 2^11, 2^11 -> 2^12 next.
        using var reference = new TinyCausalLm(11, dtype: ScalarType.Float16);
        var referenceRun = Path.Combine(_directory, "reference");
        var full = Train(reference, ScalingOptions(referenceRun), Scaling(1024, 2));
        Assert.Equal(4, full.Steps);
        var finalState = TrainingCheckpoints.ReadState(TrainingCheckpoints.FindLatest(referenceRun)!);
        Assert.Equal(4096, finalState.LossScale);
        Assert.Equal(0, finalState.SkippedSteps);
        Assert.Contains("loss_scaling", finalState.Settings.Keys);

        // Stopped after step 3 (mid-interval: one clean step since the last growth) and resumed in a fresh model.
        var checkpoints = Path.Combine(_directory, "run");
        using (var interrupted = new TinyCausalLm(11, dtype: ScalarType.Float16))
        {
            using var cts = new CancellationTokenSource();
            var stopAfterThree = new SyncProgress<FineTuningProgress>(p =>
            {
                if (p.Step == 3)
                {
                    cts.Cancel();
                }
            });
            Assert.Throws<OperationCanceledException>(() => Train(interrupted, ScalingOptions(checkpoints), Scaling(1024, 2), stopAfterThree, cts.Token));
        }

        var atThree = TrainingCheckpoints.ReadState(TrainingCheckpoints.FindLatest(checkpoints)!);
        Assert.Equal(2048, atThree.LossScale);
        Assert.Equal(1, atThree.LossScaleGoodSteps);

        using var resumed = new TinyCausalLm(11, dtype: ScalarType.Float16);
        var result = Train(resumed, ScalingOptions(checkpoints), Scaling(1024, 2));
        Assert.Equal(3, result.ResumedFromStep);
        Assert.Equal(full.FinalLoss, result.FinalLoss);
        var expected = Weights(reference);
        foreach (var (name, w) in Weights(resumed))
        {
            Assert.True(w.allclose(expected[name], rtol: 0, atol: 0), $"{name} differs after resume");
        }

        Assert.Equal(4096, TrainingCheckpoints.ReadState(TrainingCheckpoints.FindLatest(checkpoints)!).LossScale);
    }

    /// <summary>IProgress that reports synchronously (Progress&lt;T&gt; posts to the thread pool).</summary>
    private sealed class SyncProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
