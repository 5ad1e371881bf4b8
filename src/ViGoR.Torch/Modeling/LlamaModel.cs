using TorchSharp;
using TorchSharp.Utils;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ViGoR.Torch.Modeling;

/// <summary>Hugging Face <c>LlamaForCausalLM</c>: <c>model</c> (embeddings, decoder, norm) and <c>lm_head</c>.</summary>
public sealed class LlamaForCausalLM : nn.Module
{
    [ComponentName(Name = "model")] private readonly LlamaModel _model;
    [ComponentName(Name = "lm_head")] private readonly LinearLayer? _lmHead;

    internal LlamaForCausalLM(LlamaTextConfig config, Device device, ScalarType dtype)
        : base(nameof(LlamaForCausalLM))
    {
        _model = new LlamaModel(config, device, dtype);
        _lmHead = config.TieWordEmbeddings ? null : new LinearLayer(config.HiddenSize, config.VocabSize, false, device, dtype);
        RegisterComponents();
    }

    /// <summary>The decoder.</summary>
    public LlamaModel Model => _model;

    /// <summary>Token logits for hidden states [..., hidden] → [..., vocab] (in the model dtype).</summary>
    public Tensor LmHead(Tensor hidden) => _lmHead is null
        ? nn.functional.linear(hidden, _model.EmbedTokens.Weight)
        : _lmHead.call(hidden);
}

/// <summary>Hugging Face <c>LlamaModel</c>: <c>embed_tokens</c>, <c>layers</c>, <c>norm</c>.</summary>
public sealed class LlamaModel : nn.Module
{
    [ComponentName(Name = "embed_tokens")] private readonly EmbeddingLayer _embedTokens;
    [ComponentName(Name = "layers")] private readonly ModuleList<LlamaDecoderLayer> _layers;
    [ComponentName(Name = "norm")] private readonly RmsNorm _norm;
    private readonly LlamaTextConfig _config;
    private readonly Tensor _invFreq;
    private readonly ReturnedGradient _checkpointGradient = new();
    private bool _gradientCheckpointing;

    internal LlamaModel(LlamaTextConfig config, Device device, ScalarType dtype)
        : base(nameof(LlamaModel))
    {
        _config = config;
        _embedTokens = new EmbeddingLayer(config.VocabSize, config.HiddenSize, device, dtype);
        _layers = new ModuleList<LlamaDecoderLayer>(Enumerable.Range(0, config.NumHiddenLayers).Select(_ => new LlamaDecoderLayer(config, device, dtype)).ToArray());
        _norm = new RmsNorm(config.HiddenSize, config.RmsNormEps, device, dtype);
        RegisterComponents();

        // Not a parameter or buffer: Hugging Face does not save inv_freq either (persistent=False).
        int d = config.HeadDimension;
        double factor = config.RopeLinearFactor("config.json");
        using var exponents = arange(0, d, 2, ScalarType.Float32, device) / d;
        _invFreq = (1.0 / pow(config.RopeTheta, exponents) / factor).DetachFromDisposeScope();
    }

    internal EmbeddingLayer EmbedTokens => _embedTokens;

    /// <summary>Decoder layers.</summary>
    public int LayerCount => _layers.Count;

    /// <summary>Token embeddings [..., hidden] of <paramref name="ids"/> (int64).</summary>
    public Tensor Embed(Tensor ids) => _embedTokens.call(ids);

    /// <summary>
    /// Gradient checkpointing (Hugging Face's <c>gradient_checkpointing_enable()</c>, the reentrant
    /// <c>torch.utils.checkpoint</c>): backward keeps only each decoder layer's input and recomputes
    /// the layer, instead of keeping all of its activations. Takes effect only in training mode with
    /// gradients enabled and no KV cache; inference is unchanged. Default false.
    /// </summary>
    public bool GradientCheckpointing
    {
        get => _gradientCheckpointing;
        set
        {
            _gradientCheckpointing = value;
            _checkpointGradient.Replace(null);
        }
    }

    /// <summary>
    /// The generator the decoder layers draw random numbers from while training (LoRA dropout): with
    /// checkpointing its state is saved before each layer and restored for the recomputation, so it
    /// draws the same masks. Null: the layers draw none.
    /// </summary>
    internal Generator? CheckpointGenerator { get; set; }

    /// <summary>
    /// Runs the decoder on <paramref name="inputsEmbeds"/> [B, T, hidden].
    /// </summary>
    /// <param name="inputsEmbeds">Input embeddings in the model dtype.</param>
    /// <param name="positionIds">[B, T] int64 rotary positions.</param>
    /// <param name="attentionMask">[B, past + T] with 1 for real tokens and 0 for padding.</param>
    /// <param name="cache">Keys/values of earlier positions (updated in place), or null for no cache.</param>
    /// <returns>Final-norm hidden states [B, T, hidden].</returns>
    public Tensor Forward(Tensor inputsEmbeds, Tensor positionIds, Tensor attentionMask, KvCache? cache)
    {
        using var scope = NewDisposeScope();
        int past = cache?.Length ?? 0;
        long t = inputsEmbeds.shape[1];
        // Without padding the mask is implied: a single new token sees everything, a first chunk is
        // plain causal. Letting SDPA know (no mask / is_causal) selects its fused kernels.
        if (attentionMask.shape[1] != past + t)
        {
            throw new ArgumentException($"attention mask covers {attentionMask.shape[1]} positions but past ({past}) + new ({t}) = {past + t}.");
        }

        bool noPadding = attentionMask.all().item<bool>();
        bool causal = noPadding && t > 1 && past == 0;
        var mask = noPadding && (t == 1 || causal) ? null : BuildCausalMask(attentionMask, t, past, inputsEmbeds.dtype);
        return Decode(inputsEmbeds, positionIds, mask, causal, cache).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Runs the decoder with an explicit additive mask [B, 1, T, past + T] (0 = may attend, <see cref="MaskMinimum"/>
    /// = may not) instead of the causal padding mask: for packed rows whose tokens see different parts of the cache.
    /// </summary>
    internal Tensor ForwardWithMask(Tensor inputsEmbeds, Tensor positionIds, Tensor additiveMask, KvCache? cache)
    {
        using var scope = NewDisposeScope();
        long keys = (cache?.Length ?? 0) + inputsEmbeds.shape[1];
        if (additiveMask.shape.Length != 4 || additiveMask.shape[2] != inputsEmbeds.shape[1] || additiveMask.shape[3] != keys)
        {
            throw new ArgumentException($"additive mask [{string.Join(", ", additiveMask.shape)}] must be [B, 1, {inputsEmbeds.shape[1]}, {keys}].");
        }

        return Decode(inputsEmbeds, positionIds, additiveMask.to(inputsEmbeds.dtype), false, cache).MoveToOuterDisposeScope();
    }

    private Tensor Decode(Tensor inputsEmbeds, Tensor positionIds, Tensor? mask, bool causal, KvCache? cache)
    {
        var (cos, sin) = Rotary(positionIds, inputsEmbeds.dtype);
        var h = inputsEmbeds;
        bool checkpoint = _gradientCheckpointing && training && is_grad_enabled() && cache is null;
        if (checkpoint)
        {
            // The last pass's input gradient has long been consumed by the engine.
            _checkpointGradient.Replace(null);
            if (!h.requires_grad)
            {
                // A checkpointed layer is in the graph only if its input requires grad (its LoRA adapters
                // are not its inputs): Hugging Face's enable_input_require_grads() for the reentrant variant.
                h = h.detach().requires_grad_(true);
            }
        }

        for (int i = 0; i < _layers.Count; i++)
        {
            h = checkpoint
                ? DecoderLayerCheckpoint.Run(_layers[i], i, h, cos, sin, mask, causal, CheckpointGenerator, _checkpointGradient)
                : _layers[i].Forward(h, cos, sin, mask, causal, cache, i);
        }

        cache?.Advance((int)inputsEmbeds.shape[1]);
        return _norm.call(h);
    }

    /// <summary>The additive-mask value for "may not attend" in <paramref name="dtype"/> (its most negative finite value, as Hugging Face uses).</summary>
    internal static double MaskMinimum(ScalarType dtype) => dtype switch
    {
        ScalarType.Float16 => -65504.0,
        ScalarType.BFloat16 => -3.3895313892515355e38,
        ScalarType.Float64 => double.MinValue,
        _ => float.MinValue,
    };

    /// <summary>Additive mask [B, 1, T, past + T]: 0 where query i may see key j (causal and not padding), the dtype's minimum elsewhere.</summary>
    internal static Tensor BuildCausalMask(Tensor attentionMask, long t, int past, ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        var device = attentionMask.device;
        long s = attentionMask.shape[1];
        if (s != past + t)
        {
            throw new ArgumentException($"attention mask covers {s} positions but past ({past}) + new ({t}) = {past + t}.");
        }

        var queryPos = arange(past, past + t, ScalarType.Int64, device).view(-1, 1);
        var keyPos = arange(0, s, ScalarType.Int64, device).view(1, -1);
        var causal = keyPos.le(queryPos).unsqueeze(0).unsqueeze(0);           // [1,1,T,S]
        var valid = attentionMask.to(ScalarType.Bool).view(attentionMask.shape[0], 1, 1, s); // [B,1,1,S]
        var allowed = causal.logical_and(valid);
        var zero = zeros(1, dtype, device);
        var neg = full(1, MaskMinimum(dtype), dtype, device);
        return where(allowed, zero, neg).MoveToOuterDisposeScope();
    }

    private (Tensor Cos, Tensor Sin) Rotary(Tensor positionIds, ScalarType dtype)
    {
        var freqs = positionIds.to(ScalarType.Float32).unsqueeze(-1) * _invFreq.view(1, 1, -1); // [B,T,d/2]
        var emb = cat([freqs, freqs], -1);
        return (emb.cos().to(dtype), emb.sin().to(dtype));
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _invFreq.Dispose();
            _checkpointGradient.Dispose();
        }

        base.Dispose(disposing);
    }
}

/// <summary>Pre-norm decoder layer: attention and SwiGLU MLP with residuals.</summary>
public sealed class LlamaDecoderLayer : nn.Module
{
    [ComponentName(Name = "self_attn")] private readonly LlamaAttention _selfAttn;
    [ComponentName(Name = "mlp")] private readonly LlamaMlp _mlp;
    [ComponentName(Name = "input_layernorm")] private readonly RmsNorm _inputLayerNorm;
    [ComponentName(Name = "post_attention_layernorm")] private readonly RmsNorm _postAttentionLayerNorm;

    internal LlamaDecoderLayer(LlamaTextConfig config, Device device, ScalarType dtype)
        : base(nameof(LlamaDecoderLayer))
    {
        _selfAttn = new LlamaAttention(config, device, dtype);
        _mlp = new LlamaMlp(config, device, dtype);
        _inputLayerNorm = new RmsNorm(config.HiddenSize, config.RmsNormEps, device, dtype);
        _postAttentionLayerNorm = new RmsNorm(config.HiddenSize, config.RmsNormEps, device, dtype);
        RegisterComponents();
    }

    internal Tensor Forward(Tensor x, Tensor cos, Tensor sin, Tensor? mask, bool causal, KvCache? cache, int layer)
    {
        using var scope = NewDisposeScope();
        var h = x + _selfAttn.Forward(_inputLayerNorm.call(x), cos, sin, mask, causal, cache, layer);
        h = h + _mlp.call(_postAttentionLayerNorm.call(h));
        return h.MoveToOuterDisposeScope();
    }
}

/// <summary>Multi-head attention with rotary embeddings and grouped key/value heads.</summary>
public sealed class LlamaAttention : nn.Module
{
    [ComponentName(Name = "q_proj")] private readonly LinearLayer _qProj;
    [ComponentName(Name = "k_proj")] private readonly LinearLayer _kProj;
    [ComponentName(Name = "v_proj")] private readonly LinearLayer _vProj;
    [ComponentName(Name = "o_proj")] private readonly LinearLayer _oProj;
    private readonly int _heads;
    private readonly int _kvHeads;
    private readonly int _headDim;

    internal LlamaAttention(LlamaTextConfig config, Device device, ScalarType dtype)
        : base(nameof(LlamaAttention))
    {
        _heads = config.NumAttentionHeads;
        _kvHeads = config.KeyValueHeads;
        _headDim = config.HeadDimension;
        if (_heads % _kvHeads != 0)
        {
            throw new InvalidDataException($"num_attention_heads ({_heads}) must be a multiple of num_key_value_heads ({_kvHeads}).");
        }

        _qProj = new LinearLayer(config.HiddenSize, _heads * _headDim, config.AttentionBias, device, dtype);
        _kProj = new LinearLayer(config.HiddenSize, _kvHeads * _headDim, config.AttentionBias, device, dtype);
        _vProj = new LinearLayer(config.HiddenSize, _kvHeads * _headDim, config.AttentionBias, device, dtype);
        _oProj = new LinearLayer(_heads * _headDim, config.HiddenSize, config.AttentionBias, device, dtype);
        RegisterComponents();
    }

    internal Tensor Forward(Tensor x, Tensor cos, Tensor sin, Tensor? mask, bool causal, KvCache? cache, int layer)
    {
        using var scope = NewDisposeScope();
        long b = x.shape[0], t = x.shape[1];
        var q = _qProj.call(x).view(b, t, _heads, _headDim).transpose(1, 2);
        var k = _kProj.call(x).view(b, t, _kvHeads, _headDim).transpose(1, 2);
        var v = _vProj.call(x).view(b, t, _kvHeads, _headDim).transpose(1, 2);
        var c = cos.unsqueeze(1);
        var s = sin.unsqueeze(1);
        q = (q * c) + (RotateHalf(q) * s);
        k = (k * c) + (RotateHalf(k) * s);
        if (cache is not null)
        {
            (k, v) = cache.Update(layer, k, v);
        }

        if (_kvHeads != _heads)
        {
            k = RepeatKv(k, _heads / _kvHeads);
            v = RepeatKv(v, _heads / _kvHeads);
        }

        var attn = nn.functional.scaled_dot_product_attention(q, k, v, mask, 0.0, causal);
        var o = attn.transpose(1, 2).reshape(b, t, _heads * _headDim);
        return _oProj.call(o).MoveToOuterDisposeScope();
    }

    private static Tensor RotateHalf(Tensor x)
    {
        long half = x.shape[^1] / 2;
        var x1 = x.narrow(-1, 0, half);
        var x2 = x.narrow(-1, half, half);
        return cat([-x2, x1], -1);
    }

    private static Tensor RepeatKv(Tensor x, int groups)
    {
        long b = x.shape[0], h = x.shape[1], s = x.shape[2], d = x.shape[3];
        return x.unsqueeze(2).expand(b, h, groups, s, d).reshape(b, h * groups, s, d);
    }
}

/// <summary>SwiGLU: down(act(gate(x)) * up(x)).</summary>
internal sealed class LlamaMlp : nn.Module<Tensor, Tensor>
{
    [ComponentName(Name = "gate_proj")] private readonly LinearLayer _gateProj;
    [ComponentName(Name = "up_proj")] private readonly LinearLayer _upProj;
    [ComponentName(Name = "down_proj")] private readonly LinearLayer _downProj;
    private readonly Func<Tensor, Tensor> _act;

    public LlamaMlp(LlamaTextConfig config, Device device, ScalarType dtype)
        : base(nameof(LlamaMlp))
    {
        _act = Activations.Get(config.HiddenAct);
        _gateProj = new LinearLayer(config.HiddenSize, config.IntermediateSize, config.MlpBias, device, dtype);
        _upProj = new LinearLayer(config.HiddenSize, config.IntermediateSize, config.MlpBias, device, dtype);
        _downProj = new LinearLayer(config.IntermediateSize, config.HiddenSize, config.MlpBias, device, dtype);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        return _downProj.call(_act(_gateProj.call(x)) * _upProj.call(x)).MoveToOuterDisposeScope();
    }
}
