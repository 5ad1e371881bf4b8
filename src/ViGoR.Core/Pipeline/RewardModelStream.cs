namespace ViGoR;

/// <summary>Settings of the reward-model stream.</summary>
public sealed class RewardModelStreamOptions
{
    /// <summary>Fine-grained (the paper's method) or holistic totals. Default fine-grained.</summary>
    public RewardGranularity Granularity { get; set; } = RewardGranularity.FineGrained;

    /// <summary>
    /// Refinement also drops sentences the reward model labels
    /// <see cref="SentenceErrorKind.ObjectHallucination"/>, as it drops sentences naming objects the
    /// detector did not find (Sec. 3.4). Default true; the only refinement ViGoR-RM has.
    /// </summary>
    public bool DropObjectHallucinations { get; set; } = true;
}

/// <summary>
/// The reward-model stream (Yan et al., Sec. 3.1): one judgement per sentence of each sample from
/// an <see cref="ISentenceRewardModel"/>. Fine-grained totals are sums over sentences; holistic
/// totals (Sec. 4.6 ablation) are the worst sentence's judgement, so a description counts as wrong
/// when any of its sentences is.
/// </summary>
public sealed class RewardModelStream : IRewardStream
{
    private readonly ISentenceRewardModel _model;
    private readonly RewardModelStreamOptions _options;

    /// <summary>Creates the stream.</summary>
    public RewardModelStream(ISentenceRewardModel model, RewardModelStreamOptions? options = null)
    {
        _model = model ?? throw new ArgumentNullException(nameof(model));
        _options = options ?? new RewardModelStreamOptions();
        Settings = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["model"] = ComponentIdentity.Of(model),
            ["granularity"] = _options.Granularity == RewardGranularity.Holistic ? "holistic" : "fine_grained",
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
        var result = new List<StreamScore>(input.Samples.Count);
        for (var i = 0; i < input.Samples.Count; i++)
        {
            var sample = input.Samples[i];
            if (sample.Sentences.Count == 0)
            {
                result.Add(StreamScore.Sum([]));
                continue;
            }

            var judgements = await _model.JudgeAsync(input.Image, input.Prompt, sample, cancellationToken).ConfigureAwait(false);
            if (judgements.Count != sample.Sentences.Count)
            {
                throw new InvalidOperationException(
                    $"The reward model returned {judgements.Count} judgements for sample {i} of image '{input.Image.Id}', which has {sample.Sentences.Count} sentences.");
            }

            var signals = judgements.Select(ToSignal).ToList();
            if (_options.Granularity == RewardGranularity.Holistic)
            {
                var worst = judgements.MinBy(j => j.Score)!;
                result.Add(new StreamScore(signals, worst.Penalty, worst.Bonus));
            }
            else
            {
                result.Add(StreamScore.Sum(signals));
            }
        }

        return result;
    }

    private SentenceSignal ToSignal(SentenceJudgement judgement) => new()
    {
        Penalty = judgement.Penalty,
        Bonus = judgement.Bonus,
        Score = judgement.Score,
        Error = judgement.Error,
        Unreadable = judgement.Unreadable ? true : null,
        Drop = _options.DropObjectHallucinations && judgement.Error == SentenceErrorKind.ObjectHallucination ? ["object_hallucination"] : null,
    };
}

/// <summary>The built-in stream names and the paper's presets (ViGoR-AT, -RM, -All).</summary>
public static class RewardStreams
{
    /// <summary>The automatic (detector) stream's name.</summary>
    public const string Automatic = "automatic";

    /// <summary>The reward-model stream's name.</summary>
    public const string RewardModel = "reward_model";

    /// <summary>
    /// The streams of a preset (Yan et al., Table 4): <see cref="RewardSources.Automatic"/> = ViGoR-AT,
    /// <see cref="RewardSources.RewardModel"/> = ViGoR-RM, <see cref="RewardSources.Both"/> = ViGoR-All.
    /// </summary>
    /// <exception cref="ArgumentException">A model the preset needs is null.</exception>
    public static IReadOnlyList<IRewardStream> ForSources(RewardSources sources, IGroundingDetector? detector, ISentenceRewardModel? rewardModel, RejectionSamplingOptions? options = null)
    {
        options ??= new RejectionSamplingOptions();
        var streams = new List<IRewardStream>(2);
        if (sources != RewardSources.RewardModel)
        {
            streams.Add(new AutomaticRewardStream(
                detector ?? throw new ArgumentException($"Reward sources '{sources}' need an {nameof(IGroundingDetector)}.", nameof(detector)),
                options.Automatic));
        }

        if (sources != RewardSources.Automatic)
        {
            streams.Add(new RewardModelStream(
                rewardModel ?? throw new ArgumentException($"Reward sources '{sources}' need an {nameof(ISentenceRewardModel)}.", nameof(rewardModel)),
                new RewardModelStreamOptions { Granularity = options.RewardGranularity, DropObjectHallucinations = options.DropRewardModelHallucinations }));
        }

        return streams;
    }
}
