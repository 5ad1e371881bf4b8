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

    /// <summary>IProgress that reports synchronously (Progress&lt;T&gt; posts to the thread pool).</summary>
    private sealed class SyncProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
