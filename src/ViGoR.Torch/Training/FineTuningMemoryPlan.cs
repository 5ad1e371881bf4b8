using System.Globalization;
using System.Text;
using ViGoR.Torch.Modeling;
using static TorchSharp.torch;

namespace ViGoR.Torch.Training;

/// <summary>What a fine-tuning configuration is planned for: model dtype, LoRA, checkpointing and the batch's shape.</summary>
public sealed record FineTuningPlanRequest
{
    /// <summary>The dtype of the weights and compute. Default float32.</summary>
    public ScalarType DType { get; init; } = ScalarType.Float32;

    /// <summary>LoRA rank; 0 = full fine-tuning of the language model and projector.</summary>
    public int LoraRank { get; init; }

    /// <summary>Which linear layers LoRA adapts.</summary>
    public LoraTargets LoraTargets { get; init; } = LoraTargets.AllLinear;

    /// <summary>With LoRA, the projector trains fully too (LLaVA-1.5).</summary>
    public bool TrainProjectorWithLora { get; init; } = true;

    /// <summary>The CLIP tower stays frozen (LLaVA).</summary>
    public bool FreezeVisionTower { get; init; } = true;

    /// <summary>Activations kept only at decoder-layer boundaries and recomputed in backward.</summary>
    public bool GradientCheckpointing { get; init; }

    /// <summary>Examples per forward pass (the micro-batch).</summary>
    public int MicroBatchSize { get; init; } = 1;

    /// <summary>Tokens per example, image tokens included (LLaVA-1.5: up to 2048, of which 576 image tokens).</summary>
    public int SequenceLength { get; init; } = 2048;

    /// <summary>
    /// The loss. With a preference objective each example is a pair whose chosen and rejected answers
    /// go through the model in one forward (2 × <see cref="MicroBatchSize"/> sequences), and the
    /// log-softmax over the vocabulary is kept for the sequence log-probabilities. The reference costs
    /// nothing here: its log-probabilities are computed before training and stored with the pairs.
    /// </summary>
    public TrainingObjective Objective { get; init; } = TrainingObjective.Sft;
}

/// <summary>
/// What fine-tuning a LLaVA configuration needs in device memory, from its config alone (no weights
/// are read): weights, gradients, optimizer state and the activations of one micro-batch.
/// </summary>
/// <remarks>
/// Parameter counts are exact for the modules this library builds (tested against the instantiated
/// model). Optimizer state is this library's AdamW: two float32 moments per trained parameter, plus a
/// float32 master copy of each 16-bit one. Activations are an estimate of what autograd keeps per
/// decoder layer: b·s·(6h + 2·kv + 4·i) elements (norm inputs, q/k/v, attention and MLP inputs and
/// outputs) plus b·heads·s² attention probabilities (the math attention kernel), in the compute
/// dtype; with gradient checkpointing b·s·h per layer plus one layer's full set; plus float32
/// logits and their gradient, 2·b·s·vocab·4 bytes (preference objectives: b doubled for the pair, and the
/// float32 log-softmax kept too, 3·b·s·vocab·4). Allocator fragmentation, the CUDA context
/// (~0.5-1 GB) and temporary buffers come on top: leave 10-15% headroom.
/// </remarks>
/// <param name="Parameters">All parameters of the model.</param>
/// <param name="TrainableParameters">Parameters that get gradients and optimizer state (LoRA adapters included).</param>
/// <param name="WeightBytes">The model's weights in its dtype, plus LoRA adapters (float32).</param>
/// <param name="GradientBytes">Gradients of the trained parameters, in their dtype.</param>
/// <param name="OptimizerBytes">AdamW moments and float32 masters.</param>
/// <param name="ActivationBytes">Activations kept for backward for one micro-batch (estimate).</param>
public sealed record FineTuningMemoryPlan(long Parameters, long TrainableParameters, long WeightBytes, long GradientBytes, long OptimizerBytes, long ActivationBytes)
{
    /// <summary>The sum of the parts.</summary>
    public long TotalBytes => WeightBytes + GradientBytes + OptimizerBytes + ActivationBytes;

    /// <summary>Plans <paramref name="request"/> for <paramref name="config"/>.</summary>
    public static FineTuningMemoryPlan Estimate(LlavaModelConfig config, FineTuningPlanRequest request)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(request);
        var t = config.Text;
        long h = t.HiddenSize, i = t.IntermediateSize, v = t.VocabSize, heads = t.NumAttentionHeads;
        long q = heads * t.HeadDimension, kv = (long)t.KeyValueHeads * t.HeadDimension;
        long layer = (h * q) + (2 * h * kv) + (q * h) + (3 * h * i) + (2 * h);
        long language = (2 * v * h) + (t.NumHiddenLayers * layer) + h;

        var c = config.Vision;
        long d = c.HiddenSize, ci = c.IntermediateSize;
        long clipLayer = (4 * ((d * d) + d)) + (d * ci) + ci + (ci * d) + d + (4 * d);
        long vision = ((long)c.NumChannels * c.PatchSize * c.PatchSize * d) + d + ((c.NumPatches + 1L) * d) + (2 * d) + (c.NumHiddenLayers * clipLayer) + (2 * d);

        long bias = config.ProjectorBias ? 1 : 0;
        long projector = config.ProjectorIsMlp
            ? (config.ProjectorInputSize * h) + (bias * h) + (h * h) + (bias * h)
            : (config.ProjectorInputSize * h) + (bias * h);

        long all = language + vision + projector;
        long element = ElementSize(request.DType);
        bool sixteenBit = element == 2;
        long trainedFull, adapters = 0;
        if (request.LoraRank > 0)
        {
            long r = request.LoraRank;
            long perLayer = request.LoraTargets == LoraTargets.AttentionOnly
                ? r * ((h + q) + (h + kv) + (h + kv) + (q + h))
                : r * ((h + q) + (h + kv) + (h + kv) + (q + h) + (2 * (h + i)) + (i + h));
            adapters = t.NumHiddenLayers * perLayer;
            trainedFull = request.TrainProjectorWithLora ? projector : 0;
        }
        else
        {
            trainedFull = language + projector + (request.FreezeVisionTower ? 0 : vision);
        }

        long weights = (all * element) + (adapters * 4);
        long gradients = (trainedFull * element) + (adapters * 4);
        long optimizer = ((trainedFull + adapters) * 8) + (sixteenBit ? trainedFull * 4 : 0);

        bool pairs = request.Objective != TrainingObjective.Sft;
        long b = request.MicroBatchSize * (pairs ? 2L : 1L), s = request.SequenceLength;
        long full = ((b * s * ((6 * h) + (2 * kv) + (4 * i))) + (b * heads * s * s)) * element;
        long layers = request.GradientCheckpointing
            ? (t.NumHiddenLayers * b * s * h * element) + full
            : t.NumHiddenLayers * full;
        long activations = layers + ((pairs ? 3 : 2) * b * s * v * 4);
        return new FineTuningMemoryPlan(all, trainedFull + adapters, weights, gradients, optimizer, activations);
    }

    /// <summary>Bytes per element of <paramref name="dtype"/> (float32, bfloat16, float16).</summary>
    public static long ElementSize(ScalarType dtype) => dtype switch
    {
        ScalarType.Float32 => 4,
        ScalarType.BFloat16 or ScalarType.Float16 => 2,
        _ => throw new ArgumentException($"Fine-tuning plans cover float32, bfloat16 and float16, not {dtype}.", nameof(dtype)),
    };

    /// <summary>A readable table of the plan, in GB (10^9 bytes).</summary>
    public string Describe()
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"parameters   {Parameters / 1e9,8:F2} B ({TrainableParameters / 1e6:F1} M trained)");
        text.AppendLine(CultureInfo.InvariantCulture, $"weights      {Gb(WeightBytes)}");
        text.AppendLine(CultureInfo.InvariantCulture, $"gradients    {Gb(GradientBytes)}");
        text.AppendLine(CultureInfo.InvariantCulture, $"optimizer    {Gb(OptimizerBytes)}");
        text.AppendLine(CultureInfo.InvariantCulture, $"activations  {Gb(ActivationBytes)}");
        text.Append(CultureInfo.InvariantCulture, $"total        {Gb(TotalBytes)}");
        return text.ToString();
    }

    /// <summary>Bytes as GB with one decimal.</summary>
    public static string Gb(long bytes) => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1e9,8:F1} GB");
}
