using System.Security.Cryptography;
using System.Text;
using ViGoR.Torch.Modeling;
using ViGoR.Torch.Tokenization;
using static TorchSharp.torch;
using Parameter = TorchSharp.Modules.Parameter;

namespace ViGoR.Torch.Training;

/// <summary>
/// Fine-tuning LLaVA: each example becomes the conversation prompt plus the target answer, tokenized as
/// LLaVA's <c>preprocess_v1</c> (labels -100 on the prompt, the answer and its EOS supervised), with the
/// image features spliced in at the image token (their positions -100 too). The loss is next-token
/// cross-entropy in float32 summed over supervised positions. Freezes what the settings say and
/// restores every parameter's <c>requires_grad</c> when disposed.
/// </summary>
internal sealed class LlavaTrainingTarget : ITrainingTarget<FineTuningExample>, IDisposable
{
    private readonly LlavaVisionLanguageModel _model;
    private readonly Dictionary<string, bool> _requiresGrad = new(StringComparer.Ordinal);
    private readonly List<(string Name, Parameter Parameter)> _trainable = [];
    private readonly bool _gradientCheckpointing;
    private readonly bool _checkpointingBefore;
    private readonly VisionFeatureCache? _featureCache;

    public LlavaTrainingTarget(LlavaVisionLanguageModel model, LlavaFineTuningOptions settings, int seed)
    {
        _model = model;
        _gradientCheckpointing = settings.GradientCheckpointing;
        _checkpointingBefore = Decoder.GradientCheckpointing;
        _featureCache = settings.ImageFeatureCache;
        _featureCache?.Bind(model.Module);
        foreach (var (name, p) in model.Module.named_parameters())
        {
            _requiresGrad[name] = p.requires_grad;
        }

        if (settings.LoraRank > 0)
        {
            var targets = settings.LoraTargets == LoraTargets.AttentionOnly ? LoraAdapters.AttentionProjections : LoraAdapters.AllLinear;
            Lora = LoraAdapters.Attach(model.Module, "language_model.", targets, settings.LoraRank, settings.EffectiveLoraAlpha, settings.LoraDropout, (ulong)(uint)seed);
            foreach (var (name, p) in model.Module.named_parameters())
            {
                // LLaVA-1.5's LoRA recipe trains the projector fully beside the adapters.
                var train = settings.TrainProjectorWithLora && name.StartsWith(ProjectorPrefix, StringComparison.Ordinal);
                p.requires_grad = train;
                if (train)
                {
                    _trainable.Add((name, p));
                }
            }

            _trainable.AddRange(Lora.Parameters);
        }
        else
        {
            foreach (var (name, p) in model.Module.named_parameters())
            {
                var train = !(settings.FreezeVisionTower && name.StartsWith("vision_tower.", StringComparison.Ordinal));
                p.requires_grad = train;
                if (train)
                {
                    _trainable.Add((name, p));
                }
            }
        }
    }

    /// <summary>The projector's parameter-name prefix (Hugging Face's <c>multi_modal_projector</c>).</summary>
    public const string ProjectorPrefix = "multi_modal_projector.";

    /// <summary>The LoRA adapters when the run uses them.</summary>
    public LoraAdapters? Lora { get; }

    public IReadOnlyList<(string Name, Parameter Parameter)> TrainableParameters => _trainable;

    private LlamaModel Decoder => _model.Module.LanguageModel.Model;

    /// <summary>A SHA-256 over the examples (image id, prompt, target) in order: what a resume must match.</summary>
    public static string Fingerprint(IReadOnlyList<FineTuningExample> examples)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var e in examples)
        {
            foreach (var part in new[] { e.Image.Id, e.Prompt, e.Target })
            {
                var bytes = Encoding.UTF8.GetBytes(part);
                sha.AppendData(BitConverter.GetBytes(bytes.Length));
                sha.AppendData(bytes);
            }
        }

        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }

    public (Tensor LossSum, long TargetTokens) ComputeLoss(IReadOnlyList<FineTuningExample> microBatch, Generator generator)
    {
        var (logits, labels) = ShiftedLogits(microBatch, generator);
        long vocab = logits.shape[^1];
        var loss = nn.functional.cross_entropy(logits.reshape(-1, vocab), labels.reshape(-1), ignore_index: LlavaForConditionalGeneration.IgnoreIndex, reduction: nn.Reduction.Sum);
        long tokens = labels.ne(LlavaForConditionalGeneration.IgnoreIndex).sum().item<long>();
        return (loss, tokens);
    }

    /// <summary>
    /// Each example's answer log-probability, log p(target + EOS | image, prompt): the sum over its
    /// supervised tokens (those <see cref="ComputeLoss"/> counts), [examples] in float32, and how many
    /// tokens each sums. Gradients flow when enabled. Runs inside the caller's dispose scope.
    /// </summary>
    public (Tensor LogProbs, Tensor Tokens) SequenceLogProbs(IReadOnlyList<FineTuningExample> examples, Generator? generator)
    {
        var (logits, labels) = ShiftedLogits(examples, generator);
        var mask = labels.ne(LlavaForConditionalGeneration.IgnoreIndex);
        var index = labels.masked_fill(mask.logical_not(), 0).unsqueeze(-1);
        var perToken = logits.log_softmax(-1).gather(-1, index).squeeze(-1);
        return ((perToken * mask).sum(1), mask.sum(1));
    }

    /// <summary>Logits (float32) at positions 0..T-2 and the labels they predict (positions 1..T-1), [examples, T-1(, vocab)].</summary>
    private (Tensor Logits, Tensor Labels) ShiftedLogits(IReadOnlyList<FineTuningExample> microBatch, Generator? generator)
    {
        if (Lora is not null)
        {
            Lora.Generator = generator;
        }

        // The adapters' dropout is the only randomness in the decoder: what checkpointing must replay.
        Decoder.CheckpointGenerator = Lora is null ? null : generator;

        var rows = new List<long[]>(microBatch.Count);
        var labels = new List<long[]>(microBatch.Count);
        var images = new List<RgbImage>(microBatch.Count);
        foreach (var example in microBatch)
        {
            if (!example.Image.HasPixels)
            {
                throw new InvalidDataException($"Fine-tuning example for image '{example.Image.Id}' has no pixels (given by id only); give the image file.");
            }

            var (ids, lab) = Encode(example);
            rows.Add(ids);
            labels.Add(lab);
            images.Add(example.Image.Decode());
        }

        using var inputs = BuildInputs(rows, labels, images);
        var logits = _model.Module.Logits(inputs);
        return (logits[.., ..^1, ..].to(ScalarType.Float32), inputs.Labels![.., 1..]);
    }

    private MultimodalInputs BuildInputs(List<long[]> rows, List<long[]> labels, List<RgbImage> images)
    {
        if (_featureCache is null)
        {
            using var pixels = _model.ImageProcessor.Preprocess(images, _model.Module.Device);
            return _model.Module.BuildInputs(rows, pixels, labels, PaddingSide.Right);
        }

        using var scope = NewDisposeScope();
        var features = _model.Module.Project(_featureCache.Get(_model.Module, _model.ImageProcessor, images));
        var inputs = _model.Module.SpliceInputs(rows, features, labels, PaddingSide.Right);
        inputs.MoveToOuterDisposeScope();
        return inputs;
    }

    // The loss reads label t+1 at position t: the first label is never a target (and is the prompt's anyway).
    public long CountTargetTokens(IReadOnlyList<FineTuningExample> examples) =>
        examples.Sum(e => Encode(e).Labels.Skip(1).LongCount(l => l != LlavaForConditionalGeneration.IgnoreIndex));

    public ScalarType ComputeDType => _model.Module.DType;

    private (long[] Ids, long[] Labels) Encode(FineTuningExample example) =>
        _model.Tokenizer.EncodeForTraining(ConversationTemplate.Format(_model.ConversationMode, example.Prompt), example.Target);

    public void SetTraining(bool training)
    {
        _model.Module.train(training);
        if (Lora is not null)
        {
            Lora.Training = training;
        }

        Decoder.GradientCheckpointing = training ? _gradientCheckpointing : _checkpointingBefore;
        if (!training)
        {
            Decoder.CheckpointGenerator = null;
        }
    }

    public void SaveModel(string directory, CancellationToken cancellationToken) => LlavaCheckpointWriter.Write(_model, directory, Lora, cancellationToken);

    /// <inheritdoc />
    /// <remarks>
    /// Full fine-tuning: every trained parameter the model folder stores (all but an original-LLaVA
    /// vision tower, which lives in its own CLIP folder). LoRA: the adapters and the projector, which
    /// the PEFT adapter file holds exactly (the folder's weights are merged, so they are not read back).
    /// </remarks>
    public IReadOnlySet<string> SavedWithModel
    {
        get
        {
            if (Lora is not null)
            {
                return _trainable.Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
            }

            var layout = _model.Config.Layout;
            return _trainable
                .Where(p => LlavaCheckpointWriter.FileKey(p.Name, layout, _model.Config.ProjectorIsMlp) is not null)
                .Select(p => p.Name)
                .ToHashSet(StringComparer.Ordinal);
        }
    }

    /// <inheritdoc />
    public void RestoreSavedWithModel(string directory, CancellationToken cancellationToken)
    {
        if (Lora is null)
        {
            // The folder is the model in its own layout: reload it whole (frozen weights come back unchanged).
            ViGoR.Torch.Loading.LlavaCheckpointLoader.Load(_model.Module, directory, _model.VisionTowerDirectory, cancellationToken: cancellationToken);
            return;
        }

        var byName = _trainable.ToDictionary(p => p.Name, p => p.Parameter, StringComparer.Ordinal);
        var restored = new HashSet<string>(StringComparer.Ordinal);
        var file = Path.Combine(directory, "adapter_model.safetensors");
        ViGoR.Torch.Loading.LlavaCheckpointLoader.ForEachTensor(file, (key, tensor) =>
        {
            // PEFT names: adapters as the parameters are named; modules_to_save as base_model.model.{parameter}.
            var name = byName.ContainsKey(key) ? key : key.StartsWith("base_model.model.", StringComparison.Ordinal) ? key["base_model.model.".Length..] : key;
            if (byName.TryGetValue(name, out var parameter))
            {
                using (no_grad())
                {
                    parameter.copy_(tensor);
                }

                restored.Add(name);
            }
        }, cancellationToken);
        var missing = byName.Keys.Where(n => !restored.Contains(n)).ToList();
        if (missing.Count > 0)
        {
            throw new InvalidDataException($"{file} lacks {missing.Count} trained tensor(s), e.g. '{missing[0]}'.");
        }
    }

    public void Dispose()
    {
        Decoder.GradientCheckpointing = _checkpointingBefore;
        Decoder.CheckpointGenerator = null;
        foreach (var (name, p) in _model.Module.named_parameters())
        {
            if (_requiresGrad.TryGetValue(name, out var old))
            {
                p.requires_grad = old;
            }

            p.grad?.Dispose();
            p.grad = null;
        }

        Lora?.Dispose();
    }
}
