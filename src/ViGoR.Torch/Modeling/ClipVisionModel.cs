using TorchSharp;
using TorchSharp.Utils;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ViGoR.Torch.Modeling;

/// <summary>
/// Hugging Face <c>CLIPVisionModel</c>: the one child <c>vision_model</c> holds the transformer, so
/// keys read <c>vision_tower.vision_model.*</c> inside LLaVA.
/// </summary>
public sealed class ClipVisionModel : nn.Module
{
    [ComponentName(Name = "vision_model")] private readonly ClipVisionTransformer _visionModel;

    internal ClipVisionModel(ClipVisionConfig config, Device device, ScalarType dtype)
        : base(nameof(ClipVisionModel))
    {
        _visionModel = new ClipVisionTransformer(config, device, dtype);
        RegisterComponents();
    }

    /// <summary>
    /// Hidden states at <paramref name="layers"/> (Hugging Face <c>hidden_states</c> indices: 0 is the
    /// embedding output after <c>pre_layrnorm</c>, i the output of layer i, negatives count from the end),
    /// concatenated on the last dimension. Only the layers needed are run.
    /// </summary>
    /// <param name="pixelValues">[N, 3, H, W] in the tower's dtype and device.</param>
    /// <param name="layers">Hidden-state indices.</param>
    /// <returns>[N, 1 + patches, hidden × layers.Count].</returns>
    public Tensor HiddenStates(Tensor pixelValues, IReadOnlyList<int> layers) => _visionModel.HiddenStates(pixelValues, layers);
}

internal sealed class ClipVisionTransformer : nn.Module
{
    [ComponentName(Name = "embeddings")] private readonly ClipVisionEmbeddings _embeddings;
    [ComponentName(Name = "pre_layrnorm")] private readonly LayerNormLayer _preLayerNorm;
    [ComponentName(Name = "encoder")] private readonly ClipEncoder _encoder;
    [ComponentName(Name = "post_layernorm")] private readonly LayerNormLayer _postLayerNorm;

    public ClipVisionTransformer(ClipVisionConfig config, Device device, ScalarType dtype)
        : base(nameof(ClipVisionTransformer))
    {
        _embeddings = new ClipVisionEmbeddings(config, device, dtype);
        _preLayerNorm = new LayerNormLayer(config.HiddenSize, config.LayerNormEps, device, dtype);
        _encoder = new ClipEncoder(config, device, dtype);
        // Unused by LLaVA (features come from an inner layer) but part of the checkpoint.
        _postLayerNorm = new LayerNormLayer(config.HiddenSize, config.LayerNormEps, device, dtype);
        RegisterComponents();
    }

    public Tensor HiddenStates(Tensor pixelValues, IReadOnlyList<int> layers)
    {
        using var scope = NewDisposeScope();
        int count = _encoder.Layers.Count;
        var wanted = layers.Select(l => l < 0 ? count + 1 + l : l).ToArray();
        if (wanted.Any(l => l < 0 || l > count))
        {
            throw new InvalidOperationException($"vision_feature_layer {string.Join(",", layers)} is outside the {count + 1} hidden states of the vision tower.");
        }

        var states = new Tensor?[count + 1];
        var h = _preLayerNorm.call(_embeddings.call(pixelValues));
        states[0] = h;
        for (int i = 0; i < wanted.Max(); i++)
        {
            h = _encoder.Layers[i].call(h);
            states[i + 1] = h;
        }

        var picked = wanted.Select(l => states[l]!).ToArray();
        var result = picked.Length == 1 ? picked[0] : cat(picked, -1);
        return result.MoveToOuterDisposeScope();
    }
}

internal sealed class ClipVisionEmbeddings : nn.Module<Tensor, Tensor>
{
    [ComponentName(Name = "class_embedding")] private readonly Parameter _classEmbedding;
    [ComponentName(Name = "patch_embedding")] private readonly PatchEmbedding _patchEmbedding;
    [ComponentName(Name = "position_embedding")] private readonly EmbeddingLayer _positionEmbedding;
    private readonly int _patchSize;

    public ClipVisionEmbeddings(ClipVisionConfig config, Device device, ScalarType dtype)
        : base(nameof(ClipVisionEmbeddings))
    {
        _patchSize = config.PatchSize;
        _classEmbedding = new Parameter(empty([config.HiddenSize], dtype, device));
        _patchEmbedding = new PatchEmbedding(config.NumChannels, config.HiddenSize, config.PatchSize, device, dtype);
        _positionEmbedding = new EmbeddingLayer(config.NumPatches + 1, config.HiddenSize, device, dtype);
        RegisterComponents();
    }

    public override Tensor forward(Tensor pixelValues)
    {
        using var scope = NewDisposeScope();
        long batch = pixelValues.shape[0];
        var patches = _patchEmbedding.call(pixelValues.to(_classEmbedding.dtype)).flatten(2).transpose(1, 2);
        var cls = _classEmbedding.view(1, 1, -1).expand(batch, 1, -1);
        var x = cat([cls, patches], 1);
        if (x.shape[1] != _positionEmbedding.Weight.shape[0])
        {
            throw new ArgumentException($"Image gives {x.shape[1] - 1} patches of {_patchSize} px but the tower has position embeddings for {_positionEmbedding.Weight.shape[0] - 1}: preprocess images to the tower's size.");
        }

        return (x + _positionEmbedding.Weight.unsqueeze(0)).MoveToOuterDisposeScope();
    }
}

/// <summary>Conv2d(kernel = stride = patch, no bias), as CLIP's <c>patch_embedding</c>.</summary>
internal sealed class PatchEmbedding : nn.Module<Tensor, Tensor>
{
    [ComponentName(Name = "weight")] private readonly Parameter _weight;
    private readonly long _patch;

    public PatchEmbedding(int channels, int hidden, int patch, Device device, ScalarType dtype)
        : base(nameof(PatchEmbedding))
    {
        _patch = patch;
        _weight = new Parameter(empty([hidden, channels, patch, patch], dtype, device));
        RegisterComponents();
    }

    public override Tensor forward(Tensor input) => nn.functional.conv2d(input, _weight, null, strides: [_patch, _patch]);
}

internal sealed class ClipEncoder : nn.Module
{
    [ComponentName(Name = "layers")] private readonly ModuleList<ClipEncoderLayer> _layers;

    public ClipEncoder(ClipVisionConfig config, Device device, ScalarType dtype)
        : base(nameof(ClipEncoder))
    {
        _layers = new ModuleList<ClipEncoderLayer>(Enumerable.Range(0, config.NumHiddenLayers).Select(_ => new ClipEncoderLayer(config, device, dtype)).ToArray());
        RegisterComponents();
    }

    public ModuleList<ClipEncoderLayer> Layers => _layers;
}

internal sealed class ClipEncoderLayer : nn.Module<Tensor, Tensor>
{
    [ComponentName(Name = "self_attn")] private readonly ClipAttention _selfAttn;
    [ComponentName(Name = "layer_norm1")] private readonly LayerNormLayer _layerNorm1;
    [ComponentName(Name = "mlp")] private readonly ClipMlp _mlp;
    [ComponentName(Name = "layer_norm2")] private readonly LayerNormLayer _layerNorm2;

    public ClipEncoderLayer(ClipVisionConfig config, Device device, ScalarType dtype)
        : base(nameof(ClipEncoderLayer))
    {
        _selfAttn = new ClipAttention(config, device, dtype);
        _layerNorm1 = new LayerNormLayer(config.HiddenSize, config.LayerNormEps, device, dtype);
        _mlp = new ClipMlp(config, device, dtype);
        _layerNorm2 = new LayerNormLayer(config.HiddenSize, config.LayerNormEps, device, dtype);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var h = x + _selfAttn.call(_layerNorm1.call(x));
        h = h + _mlp.call(_layerNorm2.call(h));
        return h.MoveToOuterDisposeScope();
    }
}

internal sealed class ClipAttention : nn.Module<Tensor, Tensor>
{
    [ComponentName(Name = "k_proj")] private readonly LinearLayer _kProj;
    [ComponentName(Name = "v_proj")] private readonly LinearLayer _vProj;
    [ComponentName(Name = "q_proj")] private readonly LinearLayer _qProj;
    [ComponentName(Name = "out_proj")] private readonly LinearLayer _outProj;
    private readonly int _heads;
    private readonly int _headDim;

    public ClipAttention(ClipVisionConfig config, Device device, ScalarType dtype)
        : base(nameof(ClipAttention))
    {
        _heads = config.NumAttentionHeads;
        _headDim = config.HiddenSize / config.NumAttentionHeads;
        _kProj = new LinearLayer(config.HiddenSize, config.HiddenSize, true, device, dtype);
        _vProj = new LinearLayer(config.HiddenSize, config.HiddenSize, true, device, dtype);
        _qProj = new LinearLayer(config.HiddenSize, config.HiddenSize, true, device, dtype);
        _outProj = new LinearLayer(config.HiddenSize, config.HiddenSize, true, device, dtype);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        long b = x.shape[0], t = x.shape[1];
        var q = _qProj.call(x).view(b, t, _heads, _headDim).transpose(1, 2);
        var k = _kProj.call(x).view(b, t, _heads, _headDim).transpose(1, 2);
        var v = _vProj.call(x).view(b, t, _heads, _headDim).transpose(1, 2);
        var attn = nn.functional.scaled_dot_product_attention(q, k, v);
        var o = attn.transpose(1, 2).reshape(b, t, _heads * _headDim);
        return _outProj.call(o).MoveToOuterDisposeScope();
    }
}

internal sealed class ClipMlp : nn.Module<Tensor, Tensor>
{
    [ComponentName(Name = "fc1")] private readonly LinearLayer _fc1;
    [ComponentName(Name = "fc2")] private readonly LinearLayer _fc2;
    private readonly Func<Tensor, Tensor> _act;

    public ClipMlp(ClipVisionConfig config, Device device, ScalarType dtype)
        : base(nameof(ClipMlp))
    {
        _act = Activations.Get(config.HiddenAct);
        _fc1 = new LinearLayer(config.HiddenSize, config.IntermediateSize, true, device, dtype);
        _fc2 = new LinearLayer(config.IntermediateSize, config.HiddenSize, true, device, dtype);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        return _fc2.call(_act(_fc1.call(x))).MoveToOuterDisposeScope();
    }
}
