using ViGoR.Torch.Training;
using static TorchSharp.torch;

namespace ViGoR.Torch;

/// <summary>Preference optimisation (DPO, IPO) on pairs whose reference log-probabilities this model computed before training.</summary>
public sealed partial class LlavaVisionLanguageModel : IPreferenceTunableVisionLanguageModel
{
    /// <inheritdoc />
    /// <remarks>
    /// Runs in eval mode without gradients, <paramref name="batchSize"/> pairs (2 × that many sequences)
    /// per forward, through the same tokenization and forward as training, so a pair's stored reference
    /// equals the policy's log-probability at step 0.
    /// </remarks>
    public Task<IReadOnlyList<PreferencePair>> ComputeReferenceLogProbsAsync(IReadOnlyList<PreferencePair> pairs, int batchSize = 8, CancellationToken cancellationToken = default) =>
        ComputeReferenceLogProbsAsync(pairs, batchSize, null, cancellationToken);

    /// <summary>
    /// As <see cref="ComputeReferenceLogProbsAsync(IReadOnlyList{PreferencePair}, int, CancellationToken)"/>, reusing
    /// <paramref name="featureCache"/> for the frozen tower's features, and reporting the pairs done.
    /// </summary>
    public async Task<IReadOnlyList<PreferencePair>> ComputeReferenceLogProbsAsync(IReadOnlyList<PreferencePair> pairs, int batchSize, VisionFeatureCache? featureCache, CancellationToken cancellationToken, IProgress<int>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(pairs);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        ObjectDisposedException.ThrowIf(_disposed, this);
        await Gate.WaitAsync(cancellationToken);
        try
        {
            return await Task.Run(
                () =>
                {
                    using var target = new LlavaTrainingTarget(this, new LlavaFineTuningOptions { ImageFeatureCache = featureCache }, seed: 0);
                    target.SetTraining(false);
                    var result = new List<PreferencePair>(pairs.Count);
                    for (int start = 0; start < pairs.Count; start += batchSize)
                    {
                        cancellationToken.ThrowIfCancellationRequested();
                        using var scope = NewDisposeScope();
                        using var noGrad = no_grad();
                        using var guard = NativeScalarRace.Enter();
                        var batch = pairs.Skip(start).Take(batchSize).ToList();
                        var (logProbs, tokens) = DpoTrainingTarget.PairLogProbs(target, batch, null);
                        var values = logProbs.to(ScalarType.Float64).cpu().data<double>().ToArray();
                        var counts = tokens.to(ScalarType.Int64).cpu().data<long>().ToArray();
                        for (int i = 0; i < batch.Count; i++)
                        {
                            result.Add(batch[i] with
                            {
                                ReferenceChosenLogProb = values[i],
                                ReferenceRejectedLogProb = values[batch.Count + i],
                                ChosenTokens = checked((int)counts[i]),
                                RejectedTokens = checked((int)counts[batch.Count + i]),
                            });
                        }

                        progress?.Report(result.Count);
                    }

                    return (IReadOnlyList<PreferencePair>)result;
                },
                cancellationToken);
        }
        finally
        {
            Gate.Release();
        }
    }

    /// <inheritdoc />
    /// <remarks>
    /// The loop is <see cref="FineTuneAsync"/>'s (AdamW, warm-up + cosine, clipping, float16 loss scaling,
    /// LoRA, gradient checkpointing, checkpoints that resume bit-identically); the batch size counts
    /// pairs, each micro-batch runs 2 × <see cref="FineTuningOptions.MicroBatchSize"/> sequences. The
    /// reference is whatever model computed the pairs' reference log-probabilities: the model as loaded
    /// (with LoRA: the base, adapters off), or the previous round's model in online rounds. With LoRA the
    /// adapters are merged when the run finishes, as in <see cref="FineTuneAsync"/>.
    /// </remarks>
    public async Task<FineTuningResult> PreferenceTuneAsync(
        IReadOnlyList<PreferencePair> pairs,
        DpoOptions dpo,
        FineTuningOptions? options = null,
        IProgress<FineTuningProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(pairs);
        ArgumentNullException.ThrowIfNull(dpo);
        dpo.Validate();
        return await TrainAsync(
            options,
            (inner, settings, o) =>
            {
                var target = new DpoTrainingTarget(inner, dpo);
                return new FineTuningLoop<PreferencePair>(target, o, settings, TrainingLogger, target.Settings)
                    .Run(pairs, DpoTrainingTarget.Fingerprint(pairs), progress, cancellationToken);
            },
            cancellationToken);
    }
}
