using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Engines;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using ViGoR.Torch.Generation;
using ViGoR.Torch.Modeling;
using static TorchSharp.torch;

namespace ViGoR.Benchmarks;

/// <summary>
/// LLaVA on TorchSharp at a small config (text hidden 512, 8 layers, vocab 32064; CLIP 224 px / 28 px
/// patches = 64 image tokens; 32 prompt tokens; 128 new tokens), random weights, CPU float32.
/// Compare <see cref="Prefill"/> with <see cref="Matmul"/>: the setup prints both FLOP counts, so
/// GFLOP/s = FLOPs / mean time. Decode with and without the KV cache, and k = 5 versus k = 1 samples
/// from one image (one shared prefill).
/// </summary>
/// <remarks>
/// Runs libtorch with <c>VIGOR_BENCH_THREADS</c> intra-op threads (default 1). On a machine shared by
/// parallel builds, two OpenMP threads on two busy cores spend most of each small decode op waiting at
/// barriers (measured here: prefill 3.2 s with 2 threads vs 0.27 s with 1), which would measure the
/// neighbours, not the model.
/// </remarks>
[MemoryDiagnoser(false)]
[Config(typeof(Config))]
public class LlavaBenchmarks : IDisposable
{
    private const int PromptTokens = 32;

    /// <summary>
    /// In-process (the patched native library and the weights stay loaded; decoding without a cache takes
    /// minutes per op, longer than BenchmarkDotNet's default in-process limit), few iterations.
    /// </summary>
    internal sealed class Config : ManualConfig
    {
        public Config() => AddJob(Job.Default
            .WithStrategy(RunStrategy.Monitoring)
            .WithLaunchCount(1)
            .WithWarmupCount(1)
            .WithIterationCount(3)
            .WithToolchain(new InProcessEmitToolchain(TimeSpan.FromMinutes(60), logOutput: true)));
    }
    private const int NewTokens = 128;
    private const int MatmulSize = 512;

    private LlavaForConditionalGeneration _model = null!;
    private long[] _prompt = null!;
    private Tensor _pixels = null!;
    private Tensor _a = null!;
    private Tensor _b = null!;
    private Tensor _x = null!;
    private Tensor _w = null!;

    /// <summary>FLOPs of one prefill (vision tower up to the feature layer, projector, LM over all positions, lm_head on the last).</summary>
    public static double PrefillFlops { get; private set; }

    /// <summary>FLOPs of one <see cref="Matmul"/>.</summary>
    public static double MatmulFlops => 2.0 * MatmulSize * MatmulSize * MatmulSize;

    [GlobalSetup]
    public void Setup()
    {
        _model = SmallLlava.Create();
        _model.eval();
        var (text, vision) = (_model.Config.Text, _model.Config.Vision);
        var rng = new Random(1);
        _prompt = [1, .. Enumerable.Range(0, 8).Select(_ => (long)rng.Next(3, 32000)), 32000, .. Enumerable.Range(0, PromptTokens - 10).Select(_ => (long)rng.Next(3, 32000))];
        _pixels = randn(1, 3, 224, 224).DetachFromDisposeScope();
        _a = randn(MatmulSize, MatmulSize).DetachFromDisposeScope();
        _b = randn(MatmulSize, MatmulSize).DetachFromDisposeScope();
        _x = randn(PromptTokens - 1 + vision.NumPatches, text.HiddenSize).DetachFromDisposeScope();
        _w = randn(text.HiddenSize, text.IntermediateSize).DetachFromDisposeScope();

        long t = PromptTokens - 1 + vision.NumPatches;
        double lmPerToken = 2.0 * text.NumHiddenLayers * ((4.0 * text.HiddenSize * text.HiddenSize) + (3.0 * text.HiddenSize * text.IntermediateSize));
        double attention = 2.0 * 2 * text.NumHiddenLayers * text.HiddenSize * t * (t + 1) / 2;
        long vTokens = vision.NumPatches + 1;
        double visionLayer = 2.0 * vTokens * ((4.0 * vision.HiddenSize * vision.HiddenSize) + (2.0 * vision.HiddenSize * vision.IntermediateSize))
            + (2.0 * 2 * vTokens * vTokens * vision.HiddenSize);
        double patch = 2.0 * vision.NumPatches * 3 * vision.PatchSize * vision.PatchSize * vision.HiddenSize;
        double projector = 2.0 * vision.NumPatches * ((vision.HiddenSize * (double)text.HiddenSize) + ((double)text.HiddenSize * text.HiddenSize));
        PrefillFlops = (t * lmPerToken) + attention + ((vision.NumHiddenLayers - 1) * visionLayer) + patch + projector + (2.0 * text.HiddenSize * text.VocabSize);
        Console.WriteLine($"// LlavaBenchmarks: prefill of {t} positions = {PrefillFlops / 1e9:F3} GFLOP; matmul {MatmulSize}^3 = {MatmulFlops / 1e9:F3} GFLOP; prefill-shape matmul {t}x{text.HiddenSize}x{text.IntermediateSize} = {2.0 * t * text.HiddenSize * text.IntermediateSize / 1e9:F4} GFLOP");
    }

    [GlobalCleanup]
    public void Dispose()
    {
        GC.SuppressFinalize(this);
        _model.Dispose();
        _pixels.Dispose();
        _a.Dispose();
        _b.Dispose();
        _x.Dispose();
        _w.Dispose();
    }

    /// <summary>Reference: a plain float32 matmul, 512 × 512 × 512 (16 per invocation; the time shown is per matmul).</summary>
    [Benchmark(OperationsPerInvoke = 16)]
    public float Matmul()
    {
        float sum = 0;
        for (int i = 0; i < 16; i++)
        {
            using var scope = NewDisposeScope();
            sum += _a.matmul(_b)[0, 0].item<float>();
        }

        return sum;
    }

    /// <summary>Reference at the prefill's own shape: [95 positions × 512] · [512 × 1376] (the MLP projections), 16 per invocation.</summary>
    [Benchmark(OperationsPerInvoke = 16)]
    public float MatmulPrefillShape()
    {
        float sum = 0;
        for (int i = 0; i < 16; i++)
        {
            using var scope = NewDisposeScope();
            sum += _x.matmul(_w)[0, 0].item<float>();
        }

        return sum;
    }

    /// <summary>One prefill: image features, splicing, the LM over all positions, logits of the last.</summary>
    [Benchmark]
    public long Prefill()
    {
        using var output = LlavaGenerator.Generate(_model, [_prompt], _pixels, Settings(1, 0f, 1, cache: true));
        return output.Tokens[0][0].Length;
    }

    /// <summary>Greedy, 128 new tokens, KV cache.</summary>
    [Benchmark]
    public long DecodeWithCache()
    {
        using var output = LlavaGenerator.Generate(_model, [_prompt], _pixels, Settings(1, 0f, NewTokens, cache: true));
        return output.Tokens[0][0].Length;
    }

    /// <summary>Greedy, 128 new tokens, recomputing the whole sequence each step.</summary>
    [Benchmark]
    public long DecodeWithoutCache()
    {
        using var output = LlavaGenerator.Generate(_model, [_prompt], _pixels, Settings(1, 0f, NewTokens, cache: false));
        return output.Tokens[0][0].Length;
    }

    /// <summary>One sample at temperature 0.7, 128 new tokens.</summary>
    [Benchmark]
    public long SampleK1()
    {
        using var output = LlavaGenerator.Generate(_model, [_prompt], _pixels, Settings(1, 0.7f, NewTokens, cache: true));
        return output.Tokens[0][0].Length;
    }

    /// <summary>Five samples from one prefill, decoded as a batch of 5 rows.</summary>
    [Benchmark]
    public long SampleK5()
    {
        using var output = LlavaGenerator.Generate(_model, [_prompt], _pixels, Settings(5, 0.7f, NewTokens, cache: true));
        return output.Tokens[0].Sum(s => s.Length);
    }

    /// <summary>Supervision throughput: 8 images x k = 5 samples of 32 tokens in one batched call (one prefill of 8 prompts, 40 rows decoding together).</summary>
    [Benchmark]
    public long EightImagesBatched()
    {
        using var pixels = _pixels.expand(ImagesPerBatch, -1, -1, -1).contiguous();
        using var output = LlavaGenerator.Generate(_model, Enumerable.Repeat(_prompt, ImagesPerBatch).ToList(), pixels, Settings(5, 0.7f, BatchTokens, cache: true, seeds: Enumerable.Range(0, ImagesPerBatch).Select(i => (long)i).ToList()));
        return output.Tokens.Sum(p => p.Sum(s => s.Length));
    }

    /// <summary>The same 8 images x 5 samples, one image per call: the batch-1 baseline of <see cref="EightImagesBatched"/>.</summary>
    [Benchmark]
    public long EightImagesOneAtATime()
    {
        long tokens = 0;
        for (int i = 0; i < ImagesPerBatch; i++)
        {
            using var output = LlavaGenerator.Generate(_model, [_prompt], _pixels, Settings(5, 0.7f, BatchTokens, cache: true, seed: i));
            tokens += output.Tokens[0].Sum(s => s.Length);
        }

        return tokens;
    }

    private const int ImagesPerBatch = 8;
    private const int BatchTokens = 32;

    // EOS -1 never occurs, so every run decodes exactly the requested number of tokens.
    private static GenerationSettings Settings(int k, float temperature, int tokens, bool cache, IReadOnlyList<long>? seeds = null, long seed = 5) =>
        new() { NumSamples = k, Temperature = temperature, MaxNewTokens = tokens, UseCache = cache, Seed = seed, Seeds = seeds, EosTokenIds = [-1] };
}
