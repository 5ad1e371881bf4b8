using System.Text.Json.Serialization;

namespace ViGoR;

/// <summary>
/// One preference: about <see cref="Image"/>, <see cref="Prompt"/> should rather be answered with
/// <see cref="Chosen"/> than with <see cref="Rejected"/>.
/// </summary>
/// <param name="Image">The image both answers describe.</param>
/// <param name="Prompt">The instruction both answer.</param>
/// <param name="Chosen">The preferred answer (ViGoR's refined target).</param>
/// <param name="Rejected">The dispreferred answer.</param>
/// <param name="Weight">How much the pair counts in the loss (1 for every pair of <see cref="PreferencePairing.BestVersusWorst"/>; penalty-weighted, mean 1, for <see cref="PreferencePairing.SentenceLevel"/>). Must be finite and &gt;= 0.</param>
public sealed record PreferencePair(ImageInput Image, string Prompt, string Chosen, string Rejected, double Weight = 1)
{
    /// <summary>
    /// log p(<see cref="Chosen"/> | image, prompt) under the reference model (the model training starts
    /// from): the sum over the answer's tokens and its end-of-sequence token, in nats. Null until
    /// computed (<see cref="IPreferenceTunableVisionLanguageModel.ComputeReferenceLogProbsAsync"/>).
    /// </summary>
    public double? ReferenceChosenLogProb { get; init; }

    /// <summary>log p(<see cref="Rejected"/> | image, prompt) under the reference model, as <see cref="ReferenceChosenLogProb"/>.</summary>
    public double? ReferenceRejectedLogProb { get; init; }

    /// <summary>Tokens <see cref="ReferenceChosenLogProb"/> sums over (IPO averages by it).</summary>
    public int? ChosenTokens { get; init; }

    /// <summary>Tokens <see cref="ReferenceRejectedLogProb"/> sums over.</summary>
    public int? RejectedTokens { get; init; }

    /// <summary>Where the pair came from (an image id), for journals and errors.</summary>
    public string? Source { get; init; }

    /// <summary>Whether the reference log-probabilities are present.</summary>
    [JsonIgnore]
    public bool HasReference => ReferenceChosenLogProb is not null && ReferenceRejectedLogProb is not null && ChosenTokens is not null && RejectedTokens is not null;
}

/// <summary>What the model learns from ViGoR's supervision.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<TrainingObjective>))]
public enum TrainingObjective
{
    /// <summary>The paper's: the autoregressive loss on the refined best sample (Yan et al., Sec. 3.5).</summary>
    [JsonStringEnumMemberName("sft")]
    Sft,

    /// <summary>Direct preference optimisation on pairs built from the journal (<see cref="DpoOptions"/>).</summary>
    [JsonStringEnumMemberName("dpo")]
    Dpo,

    /// <summary>DPO plus the autoregressive loss on the chosen answer, weighted by <see cref="DpoOptions.SftWeight"/> (TRL's <c>rpo_alpha</c>).</summary>
    [JsonStringEnumMemberName("sft+dpo")]
    SftPlusDpo,
}

/// <summary>The preference loss.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<PreferenceLoss>))]
public enum PreferenceLoss
{
    /// <summary>DPO (Rafailov et al. 2023): -log σ(β·h), h = (log π(c) − log π(r)) − (log π_ref(c) − log π_ref(r)), sequence log-probabilities summed over tokens.</summary>
    [JsonStringEnumMemberName("sigmoid")]
    Sigmoid,

    /// <summary>IPO (Azar et al. 2023): (h − 1/(2β))², with h from log-probabilities averaged over each answer's tokens (as TRL computes it).</summary>
    [JsonStringEnumMemberName("ipo")]
    Ipo,
}

/// <summary>How a supervision record becomes a preference pair.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<PreferencePairing>))]
public enum PreferencePairing
{
    /// <summary>Chosen = the refined target; rejected = the most penalised sample. Images whose samples are all equally penalised give no pair.</summary>
    [JsonStringEnumMemberName("best_vs_worst")]
    BestVersusWorst,

    /// <summary>
    /// Chosen = the refined target; rejected = the same selected sample with its dropped sentences kept,
    /// so the two differ only where the streams objected (dense DPO, as RLHF-V). The pair's weight is the
    /// dropped sentences' combined penalty (each stream's penalty over its spread, as selection combines
    /// them), scaled so the weights average 1 (severity weighting, as HSA-DPO). Images with nothing dropped give no pair.
    /// </summary>
    [JsonStringEnumMemberName("sentence_level")]
    SentenceLevel,
}

/// <summary>Settings of preference optimisation. Defaults follow TRL's <c>DPOConfig</c> (beta 0.1, sigmoid loss).</summary>
public sealed record DpoOptions
{
    /// <summary>β: how far the policy may move from the reference (smaller = further). Must be &gt; 0. Default 0.1.</summary>
    public double Beta { get; init; } = 0.1;

    /// <summary>The loss. Default <see cref="PreferenceLoss.Sigmoid"/>.</summary>
    public PreferenceLoss Loss { get; init; } = PreferenceLoss.Sigmoid;

    /// <summary>
    /// Weight of the autoregressive loss on the chosen answer (its mean token negative log-likelihood),
    /// added to each pair's preference loss; 0 = pure DPO. Default 0.
    /// </summary>
    public double SftWeight { get; init; }

    /// <summary>How pairs are built from supervision records. Default <see cref="PreferencePairing.BestVersusWorst"/>.</summary>
    public PreferencePairing Pairing { get; init; } = PreferencePairing.BestVersusWorst;

    /// <summary>Throws when a setting is out of range, naming it.</summary>
    public void Validate()
    {
        if (!(Beta > 0) || !double.IsFinite(Beta))
        {
            throw new ArgumentException($"DpoOptions.Beta must be a finite number > 0, not {Beta}.");
        }

        if (!(SftWeight >= 0) || !double.IsFinite(SftWeight))
        {
            throw new ArgumentException($"DpoOptions.SftWeight must be a finite number >= 0, not {SftWeight}.");
        }
    }
}

/// <summary>A vision-language model that can also learn from preference pairs.</summary>
public interface IPreferenceTunableVisionLanguageModel : IFineTunableVisionLanguageModel
{
    /// <summary>
    /// The pairs with their reference log-probabilities filled in by the model as it is now (the
    /// reference of a later <see cref="PreferenceTuneAsync"/>), so no second model needs to be held in
    /// memory while training. Result i belongs to pair i.
    /// </summary>
    Task<IReadOnlyList<PreferencePair>> ComputeReferenceLogProbsAsync(
        IReadOnlyList<PreferencePair> pairs,
        int batchSize = 8,
        CancellationToken cancellationToken = default);

    /// <summary>
    /// Trains on <paramref name="pairs"/> (each with its reference log-probabilities) with the loss of
    /// <paramref name="dpo"/>; optimizer, schedule, batching and checkpoints as
    /// <see cref="IFineTunableVisionLanguageModel.FineTuneAsync"/> (a batch counts pairs; the step's loss is the
    /// weighted mean over its pairs). Resumes and restores as fine-tuning does.
    /// </summary>
    Task<FineTuningResult> PreferenceTuneAsync(
        IReadOnlyList<PreferencePair> pairs,
        DpoOptions dpo,
        FineTuningOptions? options = null,
        IProgress<FineTuningProgress>? progress = null,
        CancellationToken cancellationToken = default);
}
