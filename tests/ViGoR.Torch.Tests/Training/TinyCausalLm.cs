using TorchSharp;
using ViGoR.Torch.Training;
using static TorchSharp.torch;
using Parameter = TorchSharp.Modules.Parameter;

namespace ViGoR.Torch.Tests.Training;

/// <summary>A two-layer next-token model with dropout, enough to exercise the loop without LLaVA.</summary>
internal sealed class TinyCausalLm : nn.Module, ITrainingTarget<TinyExample>
{
    private readonly nn.Module<Tensor, Tensor> _embed;
    private readonly nn.Module<Tensor, Tensor> _head;
    private readonly double _dropout;

    private readonly double _lossFactor;

    /// <param name="seed">Seeds the initial weights.</param>
    /// <param name="vocab">Vocabulary size.</param>
    /// <param name="hidden">Hidden size.</param>
    /// <param name="dropout">Dropout on the embeddings.</param>
    /// <param name="dtype">Weights and compute (the loss is taken in float32).</param>
    /// <param name="lossFactor">Multiplies the loss: a small factor stands for a model whose gradients are tiny (float16 underflow).</param>
    public TinyCausalLm(long seed, int vocab = 16, int hidden = 8, double dropout = 0.1, ScalarType dtype = ScalarType.Float32, double lossFactor = 1)
        : base(nameof(TinyCausalLm))
    {
        torch.manual_seed(seed);
        _embed = nn.Embedding(vocab, hidden);
        _head = nn.Linear(hidden, vocab);
        _dropout = dropout;
        _lossFactor = lossFactor;
        RegisterComponents();
        this.to(dtype);
    }

    public int SavedModels { get; private set; }

    public IReadOnlyList<(string Name, Parameter Parameter)> TrainableParameters => named_parameters().Select(p => (p.name, p.parameter)).ToList();

    public (Tensor LossSum, long TargetTokens) ComputeLoss(IReadOnlyList<TinyExample> microBatch, Generator generator)
    {
        Tensor? total = null;
        long tokens = 0;
        foreach (var example in microBatch)
        {
            var ids = tensor(example.Ids);
            var h = _embed.call(ids);
            if (training && _dropout > 0)
            {
                var keep = bernoulli(full_like(h, 1 - _dropout), generator);
                h = h * keep / (1 - _dropout);
            }

            var logits = _head.call(h);
            var loss = nn.functional.cross_entropy(logits[..^1].to(ScalarType.Float32), tensor(example.Labels)[1..], ignore_index: -100, reduction: nn.Reduction.Sum) * _lossFactor;
            total = total is null ? loss : total + loss;
            tokens += example.Labels.Skip(1).Count(l => l != -100);
        }

        return (total!, tokens);
    }

    public long CountTargetTokens(IReadOnlyList<TinyExample> examples) => examples.Sum(e => e.Labels.Skip(1).LongCount(l => l != -100));

    public ScalarType ComputeDType => _head.parameters().First().dtype;

    public void SetTraining(bool training) => train(training);

    public void SaveModel(string directory, CancellationToken cancellationToken)
    {
        SavedModels++;
        SafetensorsWriter.Write(Path.Combine(directory, "model.safetensors"), state_dict().ToList(), cancellationToken);
    }

    /// <summary>Nothing: the loop's own trainable file must carry every parameter (the path a target without a loadable model folder takes).</summary>
    public IReadOnlySet<string> SavedWithModel { get; } = new HashSet<string>();

    public void RestoreSavedWithModel(string directory, CancellationToken cancellationToken)
    {
    }
}

internal sealed record TinyExample(long[] Ids, long[] Labels)
{
    public static List<TinyExample> Make(int count, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(_ =>
        {
            var ids = Enumerable.Range(0, 6).Select(_ => (long)random.Next(16)).ToArray();
            var labels = ids.Select((id, i) => i < 3 ? -100L : id).ToArray(); // the first 3 are the "prompt"
            return new TinyExample(ids, labels);
        }).ToList();
    }
}
