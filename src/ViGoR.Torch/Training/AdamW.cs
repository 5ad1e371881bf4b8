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
/// <remarks>
/// Mixed precision: a 16-bit parameter (bf16, fp16) gets a float32 master copy; the update is applied
/// to the master and the parameter is its rounding. Without it an update smaller than half a 16-bit
/// ulp (lr 2e-5 on weights of magnitude ~0.01 in bf16 is one) rounds away every step and training
/// silently stalls. Moments are float32 too, so a 16-bit parameter costs 2 + 4 + 4 + 4 = 14 bytes
/// of weights and optimizer state, against 16 for full float32 training.
/// </remarks>
internal sealed class AdamW : IDisposable
{
    private readonly IReadOnlyList<(string Name, Parameter Parameter)> _parameters;
    private readonly Dictionary<string, (Tensor ExpAvg, Tensor ExpAvgSq)> _state = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Tensor> _master = new(StringComparer.Ordinal);
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
            if (p.dtype != ScalarType.Float32)
            {
                using var noGrad = no_grad();
                _master[name] = p.detach().to(ScalarType.Float32).clone().DetachFromDisposeScope();
            }
        }
    }

    /// <summary>True when some parameter is trained through a float32 master copy.</summary>
    public bool HasMasterWeights => _master.Count > 0;

    /// <summary>Optimizer steps taken (PyTorch's per-parameter <c>step</c>; equal for all parameters here).</summary>
    public long Step { get; private set; }

    /// <summary>
    /// Applies one update with learning rate <paramref name="lr"/> to every parameter that has a gradient,
    /// the gradient taken as <c>grad × gradientScale</c> in float32 (1 / the loss scale: unscaling in
    /// float32 keeps gradients that float16 could not hold unscaled).
    /// </summary>
    public void Update(double lr, double gradientScale = 1)
    {
        using var guard = NativeScalarRace.Enter();
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
            var master = _master.GetValueOrDefault(name);
            var w = master ?? p;
            var g32 = gradientScale == 1 ? g.to(ScalarType.Float32) : g.to(ScalarType.Float32) * gradientScale;
            if (_weightDecay != 0)
            {
                w.mul_(1 - (lr * _weightDecay));
            }

            m.mul_(_beta1).add_(g32, alpha: 1 - _beta1);
            v.mul_(_beta2).addcmul_(g32, g32, value: 1 - _beta2);
            var denom = (v.sqrt() / bias2Sqrt).add_(_epsilon);
            w.addcdiv_(m, denom, value: -(lr / bias1));
            if (master is not null)
            {
                p.copy_(master); // the 16-bit weights are the master's rounding; the master keeps what rounding lost
            }
        }
    }

    /// <summary>
    /// The state as named tensors: <c>{name}.exp_avg</c> and <c>{name}.exp_avg_sq</c>, and for 16-bit
    /// parameters <c>{name}.master</c>, all float32 (the live state; copy before mutating).
    /// </summary>
    public Dictionary<string, Tensor> StateTensors()
    {
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (name, (m, v)) in _state)
        {
            result[name + ".exp_avg"] = m;
            result[name + ".exp_avg_sq"] = v;
        }

        foreach (var (name, master) in _master)
        {
            result[name + ".master"] = master;
        }

        return result;
    }

    /// <summary>
    /// Restores <see cref="StateTensors"/> and <paramref name="step"/> from a stream of named tensors
    /// (<paramref name="read"/> calls its argument once per tensor, e.g. streaming a safetensors file).
    /// </summary>
    /// <exception cref="InvalidDataException">A tensor is missing, unknown or mis-shaped.</exception>
    public void Load(Action<Action<string, Tensor>> read, long step, string source)
    {
        ArgumentNullException.ThrowIfNull(read);
        var live = StateTensors();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        using (no_grad())
        {
            read((key, t) =>
            {
                if (!live.TryGetValue(key, out var into))
                {
                    throw new InvalidDataException($"{source}: optimizer state '{key}' belongs to no trained parameter of this run.");
                }

                if (!t.shape.SequenceEqual(into.shape))
                {
                    throw new InvalidDataException($"{source}: optimizer state '{key}' has shape [{string.Join(", ", t.shape)}], expected [{string.Join(", ", into.shape)}].");
                }

                into.copy_(t);
                seen.Add(key);
            });

            foreach (var key in live.Keys.Where(k => !seen.Contains(k)))
            {
                if (!key.EndsWith(".master", StringComparison.Ordinal))
                {
                    throw new InvalidDataException($"{source}: optimizer state '{key}' is missing.");
                }

                // A checkpoint from before master weights has none: start the master from the restored parameter.
                var name = key[..^".master".Length];
                live[key].copy_(_parameters.First(p => p.Name == name).Parameter);
            }
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

        foreach (var master in _master.Values)
        {
            master.Dispose();
        }

        _state.Clear();
        _master.Clear();
    }
}
