using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Engines;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using ViGoR.Torch.Modeling;
using ViGoR.Torch.Training;
using static TorchSharp.torch;
using Parameter = TorchSharp.Modules.Parameter;

namespace ViGoR.Benchmarks;

/// <summary>
/// One fine-tuning optimizer step (forward, backward, gradient normalisation, AdamW) of LLaVA at the
/// small config of <see cref="LlavaBenchmarks"/> (text hidden 512, 8 layers, vocab 32064; 64 image tokens),
/// CPU float32, micro-batch 1 of 32 prompt + 96 answer tokens (+ 64 image positions), vision tower
/// frozen. Full fine-tuning (projector + language model) versus LoRA rank 8 on q/k/v/o_proj.
/// </summary>
/// <remarks>
/// As <see cref="LlavaBenchmarks"/>: in-process, few iterations, libtorch with <c>VIGOR_BENCH_THREADS</c>
/// intra-op threads (default 1) so that a machine shared with parallel builds measures the step, not
/// OpenMP barrier waits.
/// </remarks>
[MemoryDiagnoser(false)]
[Config(typeof(Config))]
public class FineTuningBenchmarks : IDisposable
{
    private sealed class Config : ManualConfig
    {
        public Config() => AddJob(Job.Default
            .WithStrategy(RunStrategy.Monitoring)
            .WithLaunchCount(1)
            .WithWarmupCount(1)
            .WithIterationCount(5)
            .WithToolchain(new InProcessEmitToolchain(TimeSpan.FromMinutes(30), logOutput: true)));
    }

    private const int PromptTokens = 32;
    private const int AnswerTokens = 96;

    private LlavaForConditionalGeneration _model = null!;
    private long[] _ids = null!;
    private long[] _labels = null!;
    private Tensor _pixels = null!;
    private List<(string Name, Parameter Parameter)> _full = null!;
    private AdamW _fullOptimizer = null!;
    private LoraAdapters? _lora;
    private AdamW? _loraOptimizer;

    [GlobalSetup]
    public void Setup()
    {
        _model = SmallLlava.Create();
        _model.train();
        var rng = new Random(1);
        _ids = [1, 32000, .. Enumerable.Range(0, PromptTokens + AnswerTokens - 2).Select(_ => (long)rng.Next(3, 32000))];
        _labels = _ids.Select((id, i) => i < PromptTokens ? LlavaForConditionalGeneration.IgnoreIndex : id).ToArray();
        _pixels = randn(1, 3, 224, 224);
        _full = [];
        foreach (var (name, p) in _model.named_parameters())
        {
            p.requires_grad = !name.StartsWith("vision_tower.", StringComparison.Ordinal);
            if (p.requires_grad)
            {
                _full.Add((name, p));
            }
        }

        _fullOptimizer = new AdamW(_full, 0.9, 0.999, 1e-8, 0);
    }

    [GlobalCleanup]
    public void Dispose()
    {
        _loraOptimizer?.Dispose();
        _lora?.Dispose();
        _fullOptimizer?.Dispose();
        _pixels?.Dispose();
        _model?.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>A full fine-tuning step: projector + language model trained.</summary>
    [Benchmark(Baseline = true)]
    public double FullStep() => Step(_full, _fullOptimizer);

    // Both benchmarks run in one process, in either order: each iteration setup puts the model in its mode.
    [IterationSetup(Target = nameof(FullStep))]
    public void DetachLora()
    {
        _loraOptimizer?.Dispose();
        _loraOptimizer = null;
        _lora?.Dispose();
        _lora = null;
        foreach (var (_, p) in _full)
        {
            p.requires_grad = true;
        }
    }

    [IterationSetup(Target = nameof(LoraStep))]
    public void AttachLora()
    {
        if (_lora is not null)
        {
            return;
        }

        foreach (var (_, p) in _model.named_parameters())
        {
            p.requires_grad = false;
        }

        _lora = LoraAdapters.Attach(_model, "language_model.", LoraAdapters.AttentionProjections, 8, 16, 0.05, 1);
        _lora.Training = true;
        _loraOptimizer = new AdamW(_lora.Parameters, 0.9, 0.999, 1e-8, 0);
    }

    /// <summary>A LoRA step: rank 8 adapters on the attention projections, everything else frozen.</summary>
    [Benchmark]
    public double LoraStep() => Step(_lora!.Parameters, _loraOptimizer!);

    private double Step(IReadOnlyList<(string Name, Parameter Parameter)> parameters, AdamW optimizer)
    {
        using var scope = NewDisposeScope();
        foreach (var (_, p) in parameters)
        {
            p.grad?.zero_();
        }

        using var inputs = _model.BuildInputs([_ids], _pixels, [_labels]);
        var logits = _model.Logits(inputs);
        var shifted = inputs.Labels![.., 1..].reshape(-1);
        var loss = nn.functional.cross_entropy(logits[.., ..^1, ..].reshape(-1, logits.shape[^1]), shifted, ignore_index: LlavaForConditionalGeneration.IgnoreIndex, reduction: nn.Reduction.Sum);
        loss.backward();
        long tokens = shifted.ne(LlavaForConditionalGeneration.IgnoreIndex).sum().item<long>();
        using (no_grad())
        {
            foreach (var (_, p) in parameters)
            {
                p.grad?.div_(tokens);
            }
        }

        optimizer.Update(2e-5);
        return loss.item<float>() / tokens;
    }
}
