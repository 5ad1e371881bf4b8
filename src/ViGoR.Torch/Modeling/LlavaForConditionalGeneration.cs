using TorchSharp;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace ViGoR.Torch.Modeling;

/// <summary>Which end of a batch row receives padding.</summary>
public enum PaddingSide
{
    /// <summary>Pad at the end (training: labels line up from position 0).</summary>
    Right,

    /// <summary>Pad at the start (generation: every row's last token is at the same index).</summary>
    Left,
}

/// <summary>
/// LLaVA as Hugging Face's (pre-4.52) <c>LlavaForConditionalGeneration</c> names it:
/// <c>vision_tower.vision_model.*</c>, <c>multi_modal_projector.linear_1/2</c>,
/// <c>language_model.model.*</c>, <c>language_model.lm_head</c>. The loader maps the newer
/// <c>model.*</c> layout and original LLaVA keys onto these names.
/// </summary>
/// <remarks>
/// Parameters are created uninitialised on the given device and dtype; load a checkpoint or call
/// <see cref="InitializeRandom"/>. Not thread-safe: one forward at a time.
/// </remarks>
public sealed class LlavaForConditionalGeneration : nn.Module
{
    /// <summary>Label value that the loss ignores (LLaVA's <c>IGNORE_INDEX</c>).</summary>
    public const long IgnoreIndex = -100;

    [ComponentName(Name = "vision_tower")] private readonly ClipVisionModel _visionTower;
    [ComponentName(Name = "multi_modal_projector")] private readonly LlavaMultiModalProjector _projector;
    [ComponentName(Name = "language_model")] private readonly LlamaForCausalLM _languageModel;

    /// <summary>Builds the modules (uninitialised parameters) for <paramref name="config"/>.</summary>
    public LlavaForConditionalGeneration(LlavaModelConfig config, Device device, ScalarType dtype)
        : base(nameof(LlavaForConditionalGeneration))
    {
        Config = config;
        Device = device;
        DType = dtype;
        _visionTower = new ClipVisionModel(config.Vision, device, dtype);
        _projector = new LlavaMultiModalProjector(config, device, dtype);
        _languageModel = new LlamaForCausalLM(config.Text, device, dtype);
        RegisterComponents();
    }

    /// <summary>The settings the modules were built from.</summary>
    public LlavaModelConfig Config { get; }

    /// <summary>Where the parameters live.</summary>
    public Device Device { get; }

    /// <summary>The parameters' dtype.</summary>
    public ScalarType DType { get; }

    /// <summary>The CLIP tower.</summary>
    public ClipVisionModel VisionTower => _visionTower;

    /// <summary>The LLaMA language model with its head.</summary>
    public LlamaForCausalLM LanguageModel => _languageModel;

    /// <summary>Projected image features [N, features per image, text hidden] for <paramref name="pixelValues"/> [N, 3, H, W].</summary>
    public Tensor ImageFeatures(Tensor pixelValues)
    {
        using var scope = NewDisposeScope();
        return Project(VisionFeatures(pixelValues)).MoveToOuterDisposeScope();
    }

    /// <summary>The vision tower's hidden states the projector reads [N, features per image, vision hidden × layers]: <c>vision_feature_layer</c>, with or without CLS by <c>vision_feature_select_strategy</c>.</summary>
    public Tensor VisionFeatures(Tensor pixelValues)
    {
        VisionTowerForwards++;
        using var scope = NewDisposeScope();
        var hidden = _visionTower.HiddenStates(pixelValues.to(DType, Device), Config.VisionFeatureLayers);
        var selected = Config.KeepClsToken ? hidden : hidden.narrow(1, 1, hidden.shape[1] - 1);
        return selected.MoveToOuterDisposeScope();
    }

    /// <summary>The projector applied to <see cref="VisionFeatures"/>: [N, features per image, text hidden].</summary>
    public Tensor Project(Tensor visionFeatures) => _projector.call(visionFeatures);

    /// <summary>How many times <see cref="VisionFeatures"/> has run the vision tower (tests count it to check feature caching).</summary>
    internal long VisionTowerForwards { get; private set; }

    /// <summary>
    /// Splices image features into token embeddings, as LLaVA's <c>prepare_inputs_labels_for_multimodal</c>:
    /// each id equal to <see cref="LlavaModelConfig.ImageTokenIndex"/> is replaced by the next image's
    /// features (images are consumed in row order), then rows are padded to one length.
    /// </summary>
    /// <param name="rows">Token ids per row, each image marked by one image token.</param>
    /// <param name="pixelValues">[N, 3, H, W] for the N image tokens in all rows, or null when there are none.</param>
    /// <param name="labels">Per-row labels aligned with <paramref name="rows"/> (use <see cref="IgnoreIndex"/> for masked positions), or null.</param>
    /// <param name="side">Where padding goes.</param>
    public MultimodalInputs BuildInputs(IReadOnlyList<long[]> rows, Tensor? pixelValues, IReadOnlyList<long[]>? labels = null, PaddingSide side = PaddingSide.Right)
    {
        ArgumentNullException.ThrowIfNull(rows);
        if (labels is not null && labels.Count != rows.Count)
        {
            throw new ArgumentException($"{labels.Count} label rows for {rows.Count} input rows.", nameof(labels));
        }

        using var scope = NewDisposeScope();
        CheckImageCount(rows, pixelValues?.shape[0] ?? 0);
        var features = pixelValues is not null && pixelValues.shape[0] > 0 ? ImageFeatures(pixelValues) : null;
        var inputs = SpliceInputs(rows, features, labels, side);
        inputs.MoveToOuterDisposeScope();
        return inputs;
    }

    /// <summary>
    /// As <see cref="BuildInputs(IReadOnlyList{long[]}, Tensor?, IReadOnlyList{long[]}?, PaddingSide)"/> with
    /// already projected <paramref name="features"/> [N, features per image, hidden] (from <see cref="ImageFeatures"/>),
    /// so that a caller judging many prompts about one image runs the vision tower once.
    /// </summary>
    internal MultimodalInputs SpliceInputs(IReadOnlyList<long[]> rows, Tensor? features, IReadOnlyList<long[]>? labels, PaddingSide side)
    {
        ArgumentNullException.ThrowIfNull(rows);
        using var scope = NewDisposeScope();
        CheckImageCount(rows, features?.shape[0] ?? 0);
        int featureCount = features is null ? 0 : (int)features.shape[1];
        var embedsPerRow = new Tensor[rows.Count];
        var labelsPerRow = new long[rows.Count][];
        int next = 0;
        for (int r = 0; r < rows.Count; r++)
        {
            var ids = rows[r];
            var textIds = ids.Select(id => id == Config.ImageTokenIndex ? 0L : id).ToArray();
            using var idTensor = tensor(textIds, ScalarType.Int64, Device);
            var embeds = _languageModel.Model.Embed(idTensor);
            var parts = new List<Tensor>();
            var rowLabels = new List<long>();
            int start = 0;
            for (int i = 0; i <= ids.Length; i++)
            {
                if (i < ids.Length && ids[i] != Config.ImageTokenIndex)
                {
                    continue;
                }

                if (i > start)
                {
                    parts.Add(embeds.narrow(0, start, i - start));
                    rowLabels.AddRange(labels is null ? ids.AsSpan(start, i - start).ToArray() : labels[r].AsSpan(start, i - start).ToArray());
                }

                if (i < ids.Length)
                {
                    parts.Add(features![next++]);
                    rowLabels.AddRange(Enumerable.Repeat(IgnoreIndex, featureCount));
                }

                start = i + 1;
            }

            embedsPerRow[r] = parts.Count == 1 ? parts[0] : cat(parts.ToArray(), 0);
            labelsPerRow[r] = rowLabels.ToArray();
        }

        int maxLen = embedsPerRow.Max(e => (int)e.shape[0]);
        long hidden = Config.Text.HiddenSize;
        var padded = zeros([rows.Count, maxLen, hidden], DType, Device);
        var mask = new long[rows.Count * maxLen];
        var positions = new long[rows.Count * maxLen];
        var labelArray = Enumerable.Repeat(IgnoreIndex, rows.Count * maxLen).ToArray();
        for (int r = 0; r < rows.Count; r++)
        {
            int len = (int)embedsPerRow[r].shape[0];
            int offset = side == PaddingSide.Left ? maxLen - len : 0;
            padded[r].narrow(0, offset, len).copy_(embedsPerRow[r]);
            for (int i = 0; i < maxLen; i++)
            {
                bool real = i >= offset && i < offset + len;
                mask[(r * maxLen) + i] = real ? 1 : 0;
                // Hugging Face: cumsum(mask) - 1, and 1 at padding.
                positions[(r * maxLen) + i] = real ? i - offset : 1;
                if (real && labels is not null)
                {
                    labelArray[(r * maxLen) + i] = labelsPerRow[r][i - offset];
                }
            }
        }

        var result = new MultimodalInputs(
            padded,
            tensor(mask, [rows.Count, maxLen], ScalarType.Int64, Device),
            tensor(positions, [rows.Count, maxLen], ScalarType.Int64, Device),
            labels is null ? null : tensor(labelArray, [rows.Count, maxLen], ScalarType.Int64, Device));
        result.MoveToOuterDisposeScope();
        return result;
    }

    private void CheckImageCount(IReadOnlyList<long[]> rows, long images)
    {
        int imageTokens = rows.Sum(r => r.Count(id => id == Config.ImageTokenIndex));
        if (imageTokens != images)
        {
            throw new ArgumentException($"The prompts hold {imageTokens} image tokens (id {Config.ImageTokenIndex}) but {images} images were given.");
        }
    }

    /// <summary>
    /// Tensor form of <see cref="BuildInputs(IReadOnlyList{long[]}, Tensor?, IReadOnlyList{long[]}?, PaddingSide)"/>: <paramref name="inputIds"/> [B, T] int64 with
    /// <paramref name="attentionMask"/> [B, T] (1 = token, 0 = padding on either side) and optional
    /// <paramref name="labels"/> [B, T]. Returns merged inputs of length T' (image tokens expanded).
    /// </summary>
    public MultimodalInputs BuildInputs(Tensor inputIds, Tensor? pixelValues, Tensor? attentionMask = null, Tensor? labels = null, PaddingSide side = PaddingSide.Right)
    {
        var ids = ToRows(inputIds, attentionMask);
        var lab = labels is null ? null : ToRows(labels, attentionMask);
        return BuildInputs(ids, pixelValues, lab, side);
    }

    /// <summary>Logits [B, T', vocab] (model dtype) for merged inputs, without a cache.</summary>
    public Tensor Logits(MultimodalInputs inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        using var scope = NewDisposeScope();
        var hidden = _languageModel.Model.Forward(inputs.InputsEmbeds, inputs.PositionIds, inputs.AttentionMask, null);
        return _languageModel.LmHead(hidden).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Logits [B, T', vocab] for <paramref name="inputIds"/> [B, T] (image tokens expanded to T' positions;
    /// right padding). Use <see cref="BuildInputs(Tensor, Tensor?, Tensor?, Tensor?, PaddingSide)"/> to get the aligned labels and mask.
    /// </summary>
    public Tensor forward(Tensor inputIds, Tensor? pixelValues, Tensor? attentionMask)
    {
        using var inputs = BuildInputs(inputIds, pixelValues, attentionMask);
        return Logits(inputs);
    }

    /// <summary>
    /// Fills every parameter from a seeded generator (normal, std 0.02, like Hugging Face's
    /// <c>initializer_range</c>; norms 1, biases 0): tests, benchmarks, and tiny models pre-trained from scratch.
    /// </summary>
    public void InitializeRandom(long seed)
    {
        using var noGrad = no_grad();
        using var generator = new Generator((ulong)seed, Device);
        foreach (var (name, p) in named_parameters())
        {
            if (name.EndsWith(".bias", StringComparison.Ordinal))
            {
                p.zero_();
            }
            else if (name.Contains("norm", StringComparison.Ordinal) || name.Contains("layrnorm", StringComparison.Ordinal) || name.Contains("layer_norm", StringComparison.Ordinal))
            {
                p.fill_(1.0);
            }
            else
            {
                p.normal_(0, 0.02, generator);
            }
        }
    }

    private static List<long[]> ToRows(Tensor ids, Tensor? mask)
    {
        using var cpuIds = ids.to(ScalarType.Int64, CPU);
        using var cpuMask = mask?.to(ScalarType.Int64, CPU);
        var rows = new List<long[]>();
        long t = ids.shape[1];
        var all = cpuIds.data<long>().ToArray();
        var m = cpuMask?.data<long>().ToArray();
        for (int r = 0; r < ids.shape[0]; r++)
        {
            rows.Add(Enumerable.Range(0, (int)t).Where(i => m is null || m[(r * t) + i] != 0).Select(i => all[(r * t) + i]).ToArray());
        }

        return rows;
    }
}

/// <summary>
/// The merged inputs of a LLaVA forward: embeddings with image features spliced in, the padding mask,
/// rotary positions and (for training) labels aligned to them. Dispose when done.
/// </summary>
/// <param name="InputsEmbeds">[B, T', hidden] in the model dtype.</param>
/// <param name="AttentionMask">[B, T'] int64: 1 = real position, 0 = padding.</param>
/// <param name="PositionIds">[B, T'] int64 rotary positions (0-based over real positions).</param>
/// <param name="Labels">[B, T'] int64 with <see cref="LlavaForConditionalGeneration.IgnoreIndex"/> at image, padding and masked positions; null when no labels were given.</param>
public sealed record MultimodalInputs(Tensor InputsEmbeds, Tensor AttentionMask, Tensor PositionIds, Tensor? Labels) : IDisposable
{
    internal void MoveToOuterDisposeScope()
    {
        InputsEmbeds.MoveToOuterDisposeScope();
        AttentionMask.MoveToOuterDisposeScope();
        PositionIds.MoveToOuterDisposeScope();
        Labels?.MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    public void Dispose()
    {
        InputsEmbeds.Dispose();
        AttentionMask.Dispose();
        PositionIds.Dispose();
        Labels?.Dispose();
    }
}

/// <summary><c>linear_1</c> → act → <c>linear_2</c> (LLaVA-1.5 / llava-hf), or only <c>linear_1</c> (LLaVA v1 "linear").</summary>
internal sealed class LlavaMultiModalProjector : nn.Module<Tensor, Tensor>
{
    [ComponentName(Name = "linear_1")] private readonly LinearLayer _linear1;
    [ComponentName(Name = "linear_2")] private readonly LinearLayer? _linear2;
    private readonly Func<Tensor, Tensor> _act;

    public LlavaMultiModalProjector(LlavaModelConfig config, Device device, ScalarType dtype)
        : base(nameof(LlavaMultiModalProjector))
    {
        _act = Activations.Get(config.ProjectorHiddenAct);
        _linear1 = new LinearLayer(config.ProjectorInputSize, config.Text.HiddenSize, config.ProjectorBias, device, dtype);
        _linear2 = config.ProjectorIsMlp ? new LinearLayer(config.Text.HiddenSize, config.Text.HiddenSize, config.ProjectorBias, device, dtype) : null;
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var h = _linear1.call(x);
        if (_linear2 is not null)
        {
            h = _linear2.call(_act(h));
        }

        return h.MoveToOuterDisposeScope();
    }
}
