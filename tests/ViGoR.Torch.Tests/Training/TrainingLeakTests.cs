using Microsoft.Extensions.Logging.Abstractions;
using TorchSharp;
using ViGoR.Torch.Training;

namespace ViGoR.Torch.Tests.Training;

/// <summary>Live tensors after a run must not grow with the number of steps (every step's tensors are disposed).</summary>
public sealed class TrainingLeakTests
{
    private static long LiveAfterRun<TExample>(ITrainingTarget<TExample> target, IReadOnlyList<TExample> examples, int epochs)
    {
        var options = new FineTuningOptions { LearningRate = 1e-3, Epochs = epochs, BatchSize = 2, MicroBatchSize = 1, Seed = 1 };
        var before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        new FineTuningLoop<TExample>(target, options, new LlavaFineTuningOptions(), NullLogger.Instance).Run(examples, "leak", null, CancellationToken.None);
        return DisposeScopeManager.Statistics.ThreadTotalLiveCount - before;
    }

    [Fact]
    public void TheGenericLoopLeavesNoTensorsPerStep()
    {
        var examples = TinyExample.Make(4, 1);
        using var shortRun = new TinyCausalLm(1);
        using var longRun = new TinyCausalLm(1);
        Assert.Equal(LiveAfterRun(shortRun, examples, 1), LiveAfterRun(longRun, examples, 4));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void LlavaTrainingLeavesNoTensorsPerStep(bool gradientCheckpointing)
    {
        // With checkpointing, backward runs inside the autograd engine: what it makes must be freed there too.
        List<FineTuningExample> examples =
        [
            new(ImageInput.FromFile(TinyLlava.Image(0)), "Describe.", "A red square."),
            new(ImageInput.FromFile(TinyLlava.Image(1)), "Describe.", "Two circles."),
        ];
        var settings = gradientCheckpointing ? new LlavaFineTuningOptions { LoraRank = 2, LoraDropout = 0.1, GradientCheckpointing = true } : new LlavaFineTuningOptions();
        using var a = TinyLlava.Load(TinyLlava.HuggingFace);
        using var b = TinyLlava.Load(TinyLlava.HuggingFace);
        long shortRun, longRun;
        using (var target = new LlavaTrainingTarget(a, settings, 1))
        {
            shortRun = LiveAfterRun(target, examples, 1);
        }

        using (var target = new LlavaTrainingTarget(b, settings, 1))
        {
            longRun = LiveAfterRun(target, examples, 3);
        }

        Assert.Equal(shortRun, longRun);
    }
}
