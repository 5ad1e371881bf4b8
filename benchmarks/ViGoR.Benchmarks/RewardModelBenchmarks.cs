using BenchmarkDotNet.Attributes;
using ViGoR.Torch.Generation;
using ViGoR.Torch.Modeling;
using ViGoR.Torch.Rewards;
using static TorchSharp.torch;

namespace ViGoR.Benchmarks;

/// <summary>
/// Judging one 6-sentence description with the reward model, on the shared small LLaVA (random weights,
/// CPU float32): the one-pass first-token scorer against one forward over the whole description (the
/// floor: every position once) and against the old path, one prompt per sentence decoded greedily as a
/// batch (3 new tokens: "▁", the digit, EOS, what a trained model replies). Every op runs the vision tower
/// once per image (the first of an image's k samples; later ones reuse the features).
/// </summary>
/// <remarks>
/// Prompt shape: BOS, 8 template tokens, the image (64 positions), a 30-token instruction, then 6
/// sentences of 16 tokens; each question ends with a 5-token " ASSISTANT:" and the 1-token reply lead.
/// </remarks>
[MemoryDiagnoser(false)]
[Config(typeof(LlavaBenchmarks.Config))]
public class RewardModelBenchmarks : IDisposable
{
    private const int Sentences = 6;
    private const int SentenceTokens = 16;

    private LlavaForConditionalGeneration _model = null!;
    private List<long[]> _questions = null!;
    private RewardLabelTokens _labels = null!;
    private Tensor _pixels = null!;

    [GlobalSetup]
    public void Setup()
    {
        _model = SmallLlava.Create();
        _model.eval();
        var prompts = new SyntheticQuestions(3, _model.Config.ImageTokenIndex);
        var head = prompts.Head();
        var description = prompts.Tokens(Sentences * SentenceTokens);
        var assistant = prompts.Tokens(5);
        _questions = SyntheticQuestions.PerSentence(head, description, SentenceTokens, assistant);
        _labels = SyntheticQuestions.Labels;
        _pixels = randn(1, 3, 224, 224).DetachFromDisposeScope();
        Console.WriteLine($"// RewardModelBenchmarks: whole-description prompt = {_questions[^1].Length - 1 + _model.Config.Vision.NumPatches} positions; one-pass suffixes = {Sentences * (assistant.Length + 1)} positions");
    }

    [GlobalCleanup]
    public void Dispose()
    {
        GC.SuppressFinalize(this);
        _model.Dispose();
        _pixels.Dispose();
    }

    /// <summary>One-pass first-token scoring of all 6 sentences: prefill once, then the 6 question tails packed in one forward.</summary>
    [Benchmark]
    public double OnePass() => Score(features => FirstTokenScorer.OnePass(_model, _questions, features, _labels));

    /// <summary>One forward over the whole description's prompt (no cache), logits of the last position: the floor.</summary>
    [Benchmark(Baseline = true)]
    public double OneForward() => Score(features => FirstTokenScorer.Separately(_model, [_questions[^1]], features, _labels));

    /// <summary>First-token scoring with a full forward per sentence (no shared prefix): what one pass saves.</summary>
    [Benchmark]
    public double ForwardPerSentence() => Score(features => FirstTokenScorer.Separately(_model, _questions, features, _labels));

    /// <summary>The old path: 6 whole prompts left-padded into one batch, prefilled (vision tower per row) and decoded greedily for 3 tokens.</summary>
    [Benchmark]
    public long DecodePerSentence()
    {
        using var scope = NewDisposeScope();
        var settings = new GenerationSettings { NumSamples = 1, Temperature = 0, MaxNewTokens = 3, EosTokenIds = [-1] };
        using var output = LlavaGenerator.Generate(_model, _questions, _pixels.expand(Sentences, -1, -1, -1), settings);
        return output.Tokens.Sum(t => t[0].Length);
    }

    private double Score(Func<Tensor, LabelScores> score)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var features = _model.ImageFeatures(_pixels);
        return score(features).Probabilities.Sum(p => p[0]);
    }
}

/// <summary>
/// The reward model over a batch of images as the trainer scores one (<c>--image-batch 8</c>): 8 images,
/// each with k = 5 descriptions of 3 sentences, on the shared small LLaVA. One call per image (a vision
/// forward and one packed pass each) against one call for all 8 (one vision forward for the 8 images,
/// one pass with a KV-cache row per image). Same questions, same numbers; the ratio is the throughput gain.
/// </summary>
[MemoryDiagnoser(false)]
[Config(typeof(LlavaBenchmarks.Config))]
public class RewardModelImageBatchBenchmarks : IDisposable
{
    private const int Images = 8;
    private const int Samples = 5;
    private const int Sentences = 3;
    private const int SentenceTokens = 12;

    private LlavaForConditionalGeneration _model = null!;
    private List<IReadOnlyList<long[]>> _rows = null!;
    private RewardLabelTokens _labels = null!;
    private Tensor _pixels = null!;

    [GlobalSetup]
    public void Setup()
    {
        _model = SmallLlava.Create();
        _model.eval();
        var prompts = new SyntheticQuestions(5, _model.Config.ImageTokenIndex);
        var head = prompts.Head();
        var assistant = prompts.Tokens(5);
        _rows = Enumerable.Range(0, Images).Select(_ =>
        {
            var descriptions = Enumerable.Range(0, Samples).Select(_ => prompts.Tokens(Sentences * SentenceTokens)).ToList();
            return (IReadOnlyList<long[]>)descriptions.SelectMany(d => SyntheticQuestions.PerSentence(head, d, SentenceTokens, assistant)).ToList();
        }).ToList();
        _labels = SyntheticQuestions.Labels;
        _pixels = randn(Images, 3, 224, 224).DetachFromDisposeScope();
    }

    [GlobalCleanup]
    public void Dispose()
    {
        GC.SuppressFinalize(this);
        _model.Dispose();
        _pixels.Dispose();
    }

    /// <summary>Each image alone: its vision forward, then one packed pass over its 15 questions.</summary>
    [Benchmark(Baseline = true)]
    public double OneCallPerImage()
    {
        using var noGrad = no_grad();
        double sum = 0;
        for (int i = 0; i < Images; i++)
        {
            using var scope = NewDisposeScope();
            var features = _model.ImageFeatures(_pixels.narrow(0, i, 1));
            sum += FirstTokenScorer.OnePass(_model, _rows[i], features, _labels).Probabilities.Sum(p => p[0]);
        }

        return sum;
    }

    /// <summary>All 8 images: one vision forward, one prefill of 8 rows, one packed pass of 8 rows.</summary>
    [Benchmark]
    public double OneCallForAllImages()
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var features = _model.ImageFeatures(_pixels);
        return FirstTokenScorer.OnePass(_model, _rows, features, _labels).Probabilities.Sum(p => p[0]);
    }
}

/// <summary>
/// Random reward-model questions of the shape the benchmarks measure: BOS, 8 template ids, the image
/// token, a 30-id instruction, the description up to a sentence, then the template's tail.
/// </summary>
internal sealed class SyntheticQuestions(int seed, long imageToken)
{
    private readonly Random _random = new(seed);

    /// <summary>The categorical scheme's label tokens under LLaMA's tokenizer: the "▁" lead, then the digits 1-7.</summary>
    public static RewardLabelTokens Labels { get; } = new([29871], [29896, 29906, 29941, 29946, 29945, 29953, 29955]);

    public long[] Tokens(int count) => Enumerable.Range(0, count).Select(_ => (long)_random.Next(3, 32000)).ToArray();

    public long[] Head() => [1, .. Tokens(8), imageToken, .. Tokens(30)];

    /// <summary>One question per sentence of <paramref name="description"/> (sentences of <paramref name="sentenceTokens"/> ids), each cut after its sentence.</summary>
    public static List<long[]> PerSentence(long[] head, long[] description, int sentenceTokens, long[] assistant) =>
        Enumerable.Range(1, description.Length / sentenceTokens).Select(i => (long[])[.. head, .. description[..(i * sentenceTokens)], .. assistant]).ToList();
}
