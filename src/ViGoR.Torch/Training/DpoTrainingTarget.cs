using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using static TorchSharp.torch;
using Parameter = TorchSharp.Modules.Parameter;

namespace ViGoR.Torch.Training;

/// <summary>
/// Preference optimisation of LLaVA: each micro-batch's chosen and rejected answers go through the
/// model in one forward (TRL's concatenated forward), their sequence log-probabilities meet the stored
/// reference ones in <see cref="DpoLoss"/>, and the step's loss is the weighted mean over its pairs.
/// Parameters, freezing, LoRA, checkpointing and saving are those of <see cref="LlavaTrainingTarget"/>.
/// </summary>
internal sealed class DpoTrainingTarget(LlavaTrainingTarget inner, DpoOptions options) : ITrainingTarget<PreferencePair>
{
    public IReadOnlyList<(string Name, Parameter Parameter)> TrainableParameters => inner.TrainableParameters;

    public ScalarType ComputeDType => inner.ComputeDType;

    public IReadOnlySet<string> SavedWithModel => inner.SavedWithModel;

    /// <summary>The settings a resumed run must share (written into the trainer state beside the optimizer's).</summary>
    public IReadOnlyDictionary<string, string> Settings { get; } = new SortedDictionary<string, string>(StringComparer.Ordinal)
    {
        ["objective"] = "preference",
        ["dpo_beta"] = options.Beta.ToString("R", CultureInfo.InvariantCulture),
        ["dpo_loss"] = options.Loss.ToString(),
        ["dpo_sft_weight"] = options.SftWeight.ToString("R", CultureInfo.InvariantCulture),
    };

    /// <summary>A SHA-256 over the pairs in order, reference log-probabilities and weights included: what a resume must match.</summary>
    public static string Fingerprint(IReadOnlyList<PreferencePair> pairs)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var p in pairs)
        {
            foreach (var part in new[] { p.Image.Id, p.Prompt, p.Chosen, p.Rejected, R(p.Weight), R(p.ReferenceChosenLogProb), R(p.ReferenceRejectedLogProb), R(p.ChosenTokens), R(p.RejectedTokens) })
            {
                var bytes = Encoding.UTF8.GetBytes(part);
                sha.AppendData(BitConverter.GetBytes(bytes.Length));
                sha.AppendData(bytes);
            }
        }

        return Convert.ToHexStringLower(sha.GetHashAndReset());

        static string R(double? d) => d?.ToString("R", CultureInfo.InvariantCulture) ?? "-";
    }

    public (Tensor LossSum, long TargetTokens) ComputeLoss(IReadOnlyList<PreferencePair> microBatch, Generator generator)
    {
        foreach (var pair in microBatch)
        {
            if (!pair.HasReference)
            {
                throw new InvalidOperationException($"Preference pair '{pair.Source ?? pair.Image.Id}' has no reference log-probabilities: compute them with the starting model first (ComputeReferenceLogProbsAsync).");
            }
        }

        int n = microBatch.Count;
        var (logProbs, tokens) = PairLogProbs(inner, microBatch, generator);
        var policy = logProbs.to(ScalarType.Float64);
        var counts = tokens.to(ScalarType.Float64);
        CheckTokenCounts(microBatch, tokens);
        var loss = DpoLoss.Compute(
            policy[..n],
            policy[n..],
            tensor(microBatch.Select(p => p.ReferenceChosenLogProb!.Value).ToArray(), ScalarType.Float64, policy.device),
            tensor(microBatch.Select(p => p.ReferenceRejectedLogProb!.Value).ToArray(), ScalarType.Float64, policy.device),
            counts[..n],
            counts[n..],
            options);
        var weights = tensor(microBatch.Select(p => p.Weight).ToArray(), ScalarType.Float64, policy.device);
        return ((loss * weights).sum(), n);
    }

    /// <summary>
    /// Every pair's chosen then every pair's rejected answer through <paramref name="target"/> in one forward
    /// (TRL's concatenated forward): log-probabilities and token counts, [2 × pairs], chosen first.
    /// </summary>
    public static (Tensor LogProbs, Tensor Tokens) PairLogProbs(LlavaTrainingTarget target, IReadOnlyList<PreferencePair> pairs, Generator? generator) =>
        target.SequenceLogProbs(
            pairs.Select(p => new FineTuningExample(p.Image, p.Prompt, p.Chosen))
                .Concat(pairs.Select(p => new FineTuningExample(p.Image, p.Prompt, p.Rejected)))
                .ToList(),
            generator);

    // The stored reference counted the tokens of the same tokenization; a change (e.g. another tokenizer) would pair wrong numbers.
    private static void CheckTokenCounts(IReadOnlyList<PreferencePair> pairs, Tensor tokens)
    {
        var counted = tokens.to(ScalarType.Int64).cpu().data<long>().ToArray();
        for (int i = 0; i < pairs.Count; i++)
        {
            if (counted[i] != pairs[i].ChosenTokens || counted[pairs.Count + i] != pairs[i].RejectedTokens)
            {
                throw new InvalidDataException($"Preference pair '{pairs[i].Source ?? pairs[i].Image.Id}': its reference log-probabilities sum {pairs[i].ChosenTokens}/{pairs[i].RejectedTokens} tokens but this model's tokenizer gives {counted[i]}/{counted[pairs.Count + i]}: they were computed by another model.");
            }
        }
    }

    /// <summary>Each pair counts once: the loop divides the step's summed loss by its number of pairs.</summary>
    public long CountTargetTokens(IReadOnlyList<PreferencePair> examples) => examples.Count;

    public void SetTraining(bool training) => inner.SetTraining(training);

    public void SaveModel(string directory, CancellationToken cancellationToken) => inner.SaveModel(directory, cancellationToken);

    public void RestoreSavedWithModel(string directory, CancellationToken cancellationToken) => inner.RestoreSavedWithModel(directory, cancellationToken);
}

/// <summary>The per-pair preference losses of <see cref="PreferenceLoss"/>, on sequence log-probabilities.</summary>
public static class DpoLoss
{
    /// <summary>
    /// The loss of each pair, [pairs], differentiable in the policy log-probabilities. Sigmoid:
    /// −log σ(β·h) with h = (πc − πr) − (refc − refr) on summed log-probabilities; its gradient with
    /// respect to πc is −β·σ(−β·h), so β → 0 scales every gradient to 0. IPO: (h − 1/(2β))² on
    /// log-probabilities averaged over each answer's tokens. With <see cref="DpoOptions.SftWeight"/> α &gt; 0,
    /// α·(−πc / tokens(c)) is added (the chosen answer's mean token negative log-likelihood).
    /// </summary>
    /// <param name="policyChosen">log π(chosen), summed over its tokens.</param>
    /// <param name="policyRejected">log π(rejected), summed.</param>
    /// <param name="referenceChosen">log π_ref(chosen), summed.</param>
    /// <param name="referenceRejected">log π_ref(rejected), summed.</param>
    /// <param name="chosenTokens">Tokens of each chosen answer.</param>
    /// <param name="rejectedTokens">Tokens of each rejected answer.</param>
    /// <param name="options">β, the loss and the SFT weight.</param>
    public static Tensor Compute(Tensor policyChosen, Tensor policyRejected, Tensor referenceChosen, Tensor referenceRejected, Tensor chosenTokens, Tensor rejectedTokens, DpoOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        Tensor loss;
        if (options.Loss == PreferenceLoss.Ipo)
        {
            // TRL's IPO averages log-probabilities over the answer's tokens (its ipo branch divides by the lengths).
            var h = ((policyChosen - referenceChosen) / chosenTokens) - ((policyRejected - referenceRejected) / rejectedTokens);
            loss = (h - (1 / (2 * options.Beta))).square();
        }
        else
        {
            var h = (policyChosen - policyRejected) - (referenceChosen - referenceRejected);
            loss = -nn.functional.logsigmoid(options.Beta * h);
        }

        if (options.SftWeight > 0)
        {
            loss = loss + (options.SftWeight * (-policyChosen / chosenTokens));
        }

        return loss;
    }
}
