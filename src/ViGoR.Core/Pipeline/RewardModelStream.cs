namespace ViGoR;

/// <summary>Settings of the reward-model stream.</summary>
public sealed class RewardModelStreamOptions
{
    /// <summary>Fine-grained (the paper's method) or holistic totals. Default fine-grained.</summary>
    public RewardGranularity Granularity { get; set; } = RewardGranularity.FineGrained;

    /// <summary>
    /// Which number of each judgement is the signal. Default <see cref="RewardSignal.Label"/>, the
    /// paper's: the judged label's score (<c>LabelScore ?? Score</c>), so a sentence whose most probable
    /// label is "correct" is never penalised. <see cref="RewardSignal.Expected"/> uses
    /// <see cref="SentenceJudgement.Score"/>, which for a first-token reward model is the expectation
    /// over its labels. Holistic judgements follow the same rule. Recorded in the journal header.
    /// </summary>
    public RewardSignal Signal { get; set; } = RewardSignal.Label;

    /// <summary>
    /// Refinement also drops sentences the reward model labels
    /// <see cref="SentenceErrorKind.ObjectHallucination"/>, as it drops sentences naming objects the
    /// detector did not find (Sec. 3.4). Default true; the only refinement ViGoR-RM has.
    /// </summary>
    public bool DropObjectHallucinations { get; set; } = true;

    /// <summary>A copy, so that a stream never shares its settings with its caller.</summary>
    public RewardModelStreamOptions Clone() => (RewardModelStreamOptions)MemberwiseClone();
}

/// <summary>
/// The reward-model stream (Yan et al., Sec. 3.1): one judgement per sentence of each sample from
/// an <see cref="ISentenceRewardModel"/>, totalled over sentences; a judgement's penalty and positive
/// signal come from its label by default (<see cref="RewardModelStreamOptions.Signal"/>). With
/// <see cref="RewardGranularity.Holistic"/> (the Sec. 4.6 ablation) the model must be an
/// <see cref="IDescriptionRewardModel"/> trained on whole descriptions: one judgement per sample,
/// no per-sentence signal, so nothing is dropped on its account.
/// </summary>
public sealed class RewardModelStream : IBatchRewardStream
{
    private readonly ISentenceRewardModel _model;
    private readonly RewardModelStreamOptions _options;

    /// <summary>Creates the stream.</summary>
    /// <exception cref="ArgumentException">Holistic granularity with a model that does not judge whole descriptions.</exception>
    public RewardModelStream(ISentenceRewardModel model, RewardModelStreamOptions? options = null)
    {
        _model = model ?? throw new ArgumentNullException(nameof(model));
        _options = options?.Clone() ?? new RewardModelStreamOptions();
        if (_options.Granularity == RewardGranularity.Holistic && model.GetService<IDescriptionRewardModel>() is null)
        {
            throw new ArgumentException(
                $"Holistic granularity needs a reward model that judges whole descriptions ({nameof(IDescriptionRewardModel)}, e.g. a LlavaSentenceRewardModel trained on whole descriptions, as 'vigor train-reward --holistic' does); {model.GetType().Name} judges sentences.",
                nameof(model));
        }

        Settings = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["model"] = ComponentIdentity.Of(model),
            ["granularity"] = _options.Granularity == RewardGranularity.Holistic ? "holistic" : "fine_grained",
            ["signal"] = _options.Signal == RewardSignal.Expected ? "expected" : "label",
            ["drop_object_hallucinations"] = _options.DropObjectHallucinations ? "true" : "false",
        };
    }

    /// <inheritdoc />
    public string Name => RewardStreams.RewardModel;

    /// <inheritdoc />
    public IReadOnlyDictionary<string, string> Settings { get; }

    /// <inheritdoc />
    /// <exception cref="InvalidOperationException">The model returned a different number of judgements than sentences.</exception>
    public async Task<IReadOnlyList<StreamScore>> ScoreAsync(RewardStreamInput input, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (_options.Granularity == RewardGranularity.FineGrained && _model.GetService<IBatchSentenceRewardModel>() is not null)
        {
            return (await ScoreBatchAsync([input], cancellationToken).ConfigureAwait(false))[0];
        }

        var result = new List<StreamScore>(input.Samples.Count);
        for (var i = 0; i < input.Samples.Count; i++)
        {
            var sample = input.Samples[i];
            if (sample.Sentences.Count == 0)
            {
                result.Add(StreamScore.Sum([]));
                continue;
            }

            if (_options.Granularity == RewardGranularity.Holistic)
            {
                var whole = await _model.GetService<IDescriptionRewardModel>()!.JudgeDescriptionAsync(input.Image, input.Prompt, sample, cancellationToken).ConfigureAwait(false);

                // The judgement is the sample's, not a sentence's: it is kept on the first sentence for
                // audit (no drop), and the totals are the description's.
                var signal = ToSignal(whole) with { Drop = null };
                var signals = new SentenceSignal?[sample.Sentences.Count];
                signals[0] = signal;
                result.Add(new StreamScore(signals, signal.Penalty, signal.Bonus));
                continue;
            }

            var judgements = await _model.JudgeAsync(input.Image, input.Prompt, sample, cancellationToken).ConfigureAwait(false);
            if (judgements.Count != sample.Sentences.Count)
            {
                throw new InvalidOperationException(
                    $"The reward model returned {judgements.Count} judgements for sample {i} of image '{input.Image.Id}', which has {sample.Sentences.Count} sentences.");
            }

            result.Add(StreamScore.Sum(judgements.Select(ToSignal).ToList()));
        }

        return result;
    }

    /// <inheritdoc />
    /// <remarks>
    /// Fine-grained with an <see cref="IBatchSentenceRewardModel"/>: one call judges every sample of
    /// every input. Otherwise the inputs are scored one after another.
    /// </remarks>
    /// <exception cref="InvalidOperationException">The model returned a different number of judgements than sentences.</exception>
    public async Task<IReadOnlyList<IReadOnlyList<StreamScore>>> ScoreBatchAsync(IReadOnlyList<RewardStreamInput> inputs, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        if (_options.Granularity != RewardGranularity.FineGrained || _model.GetService<IBatchSentenceRewardModel>() is not { } batch)
        {
            var one = new List<IReadOnlyList<StreamScore>>(inputs.Count);
            foreach (var input in inputs)
            {
                one.Add(await ScoreAsync(input, cancellationToken).ConfigureAwait(false));
            }

            return one;
        }

        var requests = inputs.SelectMany(input => input.Samples.Select(sample => new SentenceRewardRequest(input.Image, input.Prompt, sample))).ToList();
        var all = await batch.JudgeBatchAsync(requests, cancellationToken).ConfigureAwait(false);
        if (all.Count != requests.Count)
        {
            throw new InvalidOperationException($"The reward model returned {all.Count} judgement lists for {requests.Count} descriptions.");
        }

        var result = new List<IReadOnlyList<StreamScore>>(inputs.Count);
        var row = 0;
        foreach (var input in inputs)
        {
            var scores = new List<StreamScore>(input.Samples.Count);
            for (var i = 0; i < input.Samples.Count; i++, row++)
            {
                var sample = input.Samples[i];
                scores.Add(all[row].Count == sample.Sentences.Count
                    ? StreamScore.Sum(all[row].Select(ToSignal).ToList())
                    : throw new InvalidOperationException($"The reward model returned {all[row].Count} judgements for sample {i} of image '{input.Image.Id}', which has {sample.Sentences.Count} sentences."));
            }

            result.Add(scores);
        }

        return result;
    }

    private SentenceSignal ToSignal(SentenceJudgement judgement)
    {
        // The label is the answer the paper's reward model gives; the expectation over its answers
        // penalises every sentence it is unsure of, however likely "correct" is.
        var value = _options.Signal == RewardSignal.Label ? judgement.LabelScore ?? judgement.Score : judgement.Score;
        return new()
        {
            Penalty = Math.Max(0, -value),
            Bonus = Math.Max(0, value),
            Drop = _options.DropObjectHallucinations && judgement.Error == SentenceErrorKind.ObjectHallucination ? ["object_hallucination"] : null,
            Evidence = new RewardModelEvidence
            {
                Score = judgement.Score,
                LabelScore = judgement.LabelScore,
                Error = judgement.Error,
                Unreadable = judgement.Unreadable ? true : null,
            }.ToEvidence(),
        };
    }
}

/// <summary>The built-in stream names and the paper's presets (ViGoR-AT, -RM, -All).</summary>
public static class RewardStreams
{
    /// <summary>The automatic (detector) stream's name (<see cref="AutomaticRewardStream"/>).</summary>
    public const string Automatic = "automatic";

    /// <summary>The reward-model stream's name.</summary>
    public const string RewardModel = "reward_model";

    /// <summary>
    /// The streams of a preset (Yan et al., Table 4): <see cref="RewardSources.Automatic"/> = ViGoR-AT,
    /// <see cref="RewardSources.RewardModel"/> = ViGoR-RM, <see cref="RewardSources.Both"/> = ViGoR-All;
    /// <see cref="RewardSources.None"/> gives none (the caller's streams only).
    /// </summary>
    /// <exception cref="ArgumentException">A model the preset needs is null.</exception>
    public static IReadOnlyList<IRewardStream> ForSources(RewardSources sources, IGroundingDetector? detector, ISentenceRewardModel? rewardModel, RejectionSamplingOptions? options = null)
    {
        options ??= new RejectionSamplingOptions();
        var streams = new List<IRewardStream>(2);
        if (sources is RewardSources.Automatic or RewardSources.Both)
        {
            streams.Add(new AutomaticRewardStream(
                detector ?? throw new ArgumentException($"Reward sources '{sources}' need an {nameof(IGroundingDetector)}.", nameof(detector)),
                options.Automatic));
        }

        if (sources is RewardSources.RewardModel or RewardSources.Both)
        {
            streams.Add(new RewardModelStream(
                rewardModel ?? throw new ArgumentException($"Reward sources '{sources}' need an {nameof(ISentenceRewardModel)}.", nameof(rewardModel)),
                new RewardModelStreamOptions { Granularity = options.RewardGranularity, Signal = options.RewardSignal, DropObjectHallucinations = options.DropRewardModelHallucinations }));
        }

        return streams;
    }
}
