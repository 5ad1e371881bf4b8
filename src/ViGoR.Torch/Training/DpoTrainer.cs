namespace ViGoR.Torch.Training;

/// <summary>
/// Direct preference optimisation of a LLaVA model, shaped like TRL's <c>DPOTrainer</c>: a model, its
/// settings (<see cref="DpoOptions"/> for the loss, <see cref="FineTuningOptions"/> for the optimizer,
/// batches and checkpoints) and pairs. There is no second model in memory: the reference is the model
/// as given, whose log-probabilities of every pair are computed once before the first step and kept
/// with the pairs (in a file, when <see cref="ReferencePath"/> is set, so a resumed run reads them back).
/// </summary>
/// <remarks>Not thread-safe; the model's own gate serialises its use with sampling.</remarks>
public sealed class DpoTrainer
{
    private readonly LlavaVisionLanguageModel _model;

    /// <summary>A trainer of <paramref name="model"/> (the policy, and the reference as it is now).</summary>
    public DpoTrainer(LlavaVisionLanguageModel model, DpoOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        _model = model;
        Options = options ?? new DpoOptions();
        Options.Validate();
    }

    /// <summary>The loss settings.</summary>
    public DpoOptions Options { get; }

    /// <summary>Where the pairs and their reference log-probabilities are kept (a <see cref="PreferencePairs"/> file); null keeps them in memory only.</summary>
    public string? ReferencePath { get; init; }

    /// <summary>What the reference file is checked against on resume (e.g. the supervision's and the model's fingerprints).</summary>
    public JournalHeader ReferenceHeader { get; init; } = new() { VigorJournal = PreferencePairs.FileKind };

    /// <summary>Pairs per forward of the reference pass. Default 8.</summary>
    public int ReferenceBatchSize { get; init; } = 8;

    /// <summary>
    /// Computes the reference log-probabilities of the pairs that lack them (or reads them from
    /// <see cref="ReferencePath"/>), then trains. Call again with the same pairs and a
    /// <see cref="FineTuningOptions.CheckpointDirectory"/> to resume.
    /// </summary>
    public async Task<FineTuningResult> TrainAsync(
        IReadOnlyList<PreferencePair> pairs,
        FineTuningOptions? options = null,
        IProgress<FineTuningProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(pairs);
        if (pairs.Count == 0)
        {
            throw new ArgumentException("No preference pairs.", nameof(pairs));
        }

        var referenced = ReferencePath is not null
            ? await PreferencePairs.WithReferenceAsync(_model, pairs, ReferencePath, ReferenceHeader, ReferenceBatchSize, cancellationToken).ConfigureAwait(false)
            : pairs.All(p => p.HasReference)
                ? pairs
                : await _model.ComputeReferenceLogProbsAsync(pairs, ReferenceBatchSize, cancellationToken).ConfigureAwait(false);
        return await _model.PreferenceTuneAsync(referenced, Options, options, progress, cancellationToken).ConfigureAwait(false);
    }
}
