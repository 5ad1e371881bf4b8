using TorchSharp;
using static TorchSharp.torch;
using Parameter = TorchSharp.Modules.Parameter;

namespace ViGoR.Torch.Training;

/// <summary>
/// AdamW with decoupled weight decay, the arithmetic of PyTorch's <c>torch.optim.AdamW</c>
/// (amsgrad off, single-tensor path): p ← p·(1 − lr·wd); m ← β1·m + (1−β1)·g; v ← β2·v + (1−β2)·g²;
/// p ← p − lr/(1−β1ᵗ) · m / (√v/√(1−β2ᵗ) + ε). Written here rather than using TorchSharp's optimizer so
/// that its state (m, v per named parameter, and the step) can be saved to and restored from
/// safetensors exactly, which bit-identical resume needs.
/// </summary>
internal sealed class AdamW : IDisposable
{
    private readonly IReadOnlyList<(string Name, Parameter Parameter)> _parameters;
    private readonly Dictionary<string, (Tensor ExpAvg, Tensor ExpAvgSq)> _state = new(StringComparer.Ordinal);
    private readonly double _beta1;
    private readonly double _beta2;
    private readonly double _epsilon;
    private readonly double _weightDecay;

    public AdamW(IReadOnlyList<(string Name, Parameter Parameter)> parameters, double beta1, double beta2, double epsilon, double weightDecay)
    {
        _parameters = parameters;
        _beta1 = beta1;
        _beta2 = beta2;
        _epsilon = epsilon;
        _weightDecay = weightDecay;
        foreach (var (name, p) in parameters)
        {
            // Moments in float32 whatever the parameter dtype: in float16, ε = 1e-8 and small second moments underflow to 0.
            _state[name] = (zeros_like(p, ScalarType.Float32).DetachFromDisposeScope(), zeros_like(p, ScalarType.Float32).DetachFromDisposeScope());
        }
    }

    /// <summary>Optimizer steps taken (PyTorch's per-parameter <c>step</c>; equal for all parameters here).</summary>
    public long Step { get; private set; }

    /// <summary>Applies one update with learning rate <paramref name="lr"/> to every parameter that has a gradient.</summary>
    public void Update(double lr)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        Step++;
        var bias1 = 1 - Math.Pow(_beta1, Step);
        var bias2Sqrt = Math.Sqrt(1 - Math.Pow(_beta2, Step));
        foreach (var (name, p) in _parameters)
        {
            var g = p.grad;
            if (g is null)
            {
                continue;
            }

            var (m, v) = _state[name];
            var full = p.dtype == ScalarType.Float32;
            var w = full ? p : p.to(ScalarType.Float32);
            var g32 = g.to(ScalarType.Float32);
            if (_weightDecay != 0)
            {
                w.mul_(1 - (lr * _weightDecay));
            }

            m.mul_(_beta1).add_(g32, alpha: 1 - _beta1);
            v.mul_(_beta2).addcmul_(g32, g32, value: 1 - _beta2);
            var denom = (v.sqrt() / bias2Sqrt).add_(_epsilon);
            w.addcdiv_(m, denom, value: -(lr / bias1));
            if (!full)
            {
                p.copy_(w); // rounded back once per step; there is no float32 master copy
            }
        }
    }

    /// <summary>The state as named tensors: <c>{name}.exp_avg</c> and <c>{name}.exp_avg_sq</c>, float32 (the live state; copy before mutating).</summary>
    public Dictionary<string, Tensor> StateTensors()
    {
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (name, (m, v)) in _state)
        {
            result[name + ".exp_avg"] = m;
            result[name + ".exp_avg_sq"] = v;
        }

        return result;
    }

    /// <summary>Restores <see cref="StateTensors"/> and <paramref name="step"/>.</summary>
    /// <exception cref="InvalidDataException">A tensor is missing or mis-shaped.</exception>
    public void Load(IReadOnlyDictionary<string, Tensor> tensors, long step, string source)
    {
        using var noGrad = no_grad();
        foreach (var (name, (m, v)) in _state)
        {
            Copy(tensors, name + ".exp_avg", m, source);
            Copy(tensors, name + ".exp_avg_sq", v, source);
        }

        Step = step;
    }

    public void Dispose()
    {
        foreach (var (m, v) in _state.Values)
        {
            m.Dispose();
            v.Dispose();
        }

        _state.Clear();
    }

    private static void Copy(IReadOnlyDictionary<string, Tensor> tensors, string key, Tensor into, string source)
    {
        if (!tensors.TryGetValue(key, out var t))
        {
            throw new InvalidDataException($"{source}: optimizer state '{key}' is missing.");
        }

        if (!t.shape.SequenceEqual(into.shape))
        {
            throw new InvalidDataException($"{source}: optimizer state '{key}' has shape [{string.Join(", ", t.shape)}], expected [{string.Join(", ", into.shape)}].");
        }

        into.copy_(t);
    }
}
