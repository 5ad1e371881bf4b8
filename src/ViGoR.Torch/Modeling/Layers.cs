using TorchSharp;
using TorchSharp.Utils;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ViGoR.Torch.Modeling;

// Parameters are allocated uninitialised (torch.empty) on the target device and dtype, so that a
// checkpoint loads into them in place: no random initialisation pass, no second copy. Loading
// checks that every parameter was written; LlavaForConditionalGeneration.InitializeRandom fills
// them for tests and benchmarks.

/// <summary>y = x Wᵀ + b, with PyTorch's parameter names (<c>weight</c>, <c>bias</c>).</summary>
internal sealed class LinearLayer : nn.Module<Tensor, Tensor>
{
    [ComponentName(Name = "weight")] private readonly Parameter _weight;
    [ComponentName(Name = "bias")] private readonly Parameter? _bias;

    public LinearLayer(long inFeatures, long outFeatures, bool hasBias, Device device, ScalarType dtype)
        : base(nameof(LinearLayer))
    {
        _weight = new Parameter(empty([outFeatures, inFeatures], dtype, device));
        _bias = hasBias ? new Parameter(empty([outFeatures], dtype, device)) : null;
        RegisterComponents();
    }

    public Parameter Weight => _weight;

    public override Tensor forward(Tensor input) => nn.functional.linear(input, _weight, _bias);
}

/// <summary>LayerNorm over the last dimension (<c>weight</c>, <c>bias</c>).</summary>
internal sealed class LayerNormLayer : nn.Module<Tensor, Tensor>
{
    [ComponentName(Name = "weight")] private readonly Parameter _weight;
    [ComponentName(Name = "bias")] private readonly Parameter _bias;
    private readonly long _size;
    private readonly double _eps;

    public LayerNormLayer(long size, double eps, Device device, ScalarType dtype)
        : base(nameof(LayerNormLayer))
    {
        _size = size;
        _eps = eps;
        _weight = new Parameter(empty([size], dtype, device));
        _bias = new Parameter(empty([size], dtype, device));
        RegisterComponents();
    }

    public override Tensor forward(Tensor input) => nn.functional.layer_norm(input, [_size], _weight, _bias, _eps);
}

/// <summary>LLaMA's RMSNorm: computed in float32, scaled by <c>weight</c> in the input dtype, as Hugging Face does.</summary>
internal sealed class RmsNorm : nn.Module<Tensor, Tensor>
{
    [ComponentName(Name = "weight")] private readonly Parameter _weight;
    private readonly double _eps;

    public RmsNorm(long size, double eps, Device device, ScalarType dtype)
        : base(nameof(RmsNorm))
    {
        _eps = eps;
        _weight = new Parameter(empty([size], dtype, device));
        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var x = input.to(ScalarType.Float32);
        var variance = x.pow(2).mean([-1L], keepdim: true);
        var normed = x * rsqrt(variance + _eps);
        return (_weight * normed.to(input.dtype)).MoveToOuterDisposeScope();
    }
}

/// <summary>A lookup table (<c>weight</c> [num, dim]).</summary>
internal sealed class EmbeddingLayer : nn.Module<Tensor, Tensor>
{
    [ComponentName(Name = "weight")] private readonly Parameter _weight;

    public EmbeddingLayer(long num, long dim, Device device, ScalarType dtype)
        : base(nameof(EmbeddingLayer))
    {
        _weight = new Parameter(empty([num, dim], dtype, device));
        RegisterComponents();
    }

    public Parameter Weight => _weight;

    public override Tensor forward(Tensor ids)
    {
        var shape = ids.shape.Append(_weight.shape[1]).ToArray();
        using var flat = ids.reshape(-1);
        using var rows = _weight.index_select(0, flat);
        return rows.reshape(shape);
    }
}

/// <summary>Activations by their Hugging Face <c>ACT2FN</c> names.</summary>
internal static class Activations
{
    public static Func<Tensor, Tensor> Get(string name) => name switch
    {
        "gelu" => x => nn.functional.gelu(x),
        "gelu_pytorch_tanh" or "gelu_new" => x =>
        {
            using var scope = NewDisposeScope();
            var inner = (x + (x.pow(3) * 0.044715)) * Math.Sqrt(2.0 / Math.PI);
            return (x * 0.5 * (inner.tanh() + 1.0)).MoveToOuterDisposeScope();
        },
        "quick_gelu" => x =>
        {
            using var s = nn.functional.sigmoid(x * 1.702);
            return x * s;
        },
        "silu" or "swish" => x => nn.functional.silu(x),
        "relu" => x => nn.functional.relu(x),
        _ => throw new InvalidDataException($"Activation '{name}' is not supported (gelu, gelu_pytorch_tanh, quick_gelu, silu, relu)."),
    };
}
