using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace ViGoR;

/// <summary>
/// The ViGoR method (Yan et al., Fig. 2): for each image, sample k descriptions, score every
/// sentence with the automatic stream and/or the reward model, combine, select the least-penalty
/// sample, refine it, and journal a supervision record; then fine-tune the model on the refined
/// targets, once (offline) or in rounds that regenerate with the evolving model (online).
/// </summary>
/// <remarks>
/// Images are processed one at a time in data-set order (the models parallelise inside); for one
/// image the two reward streams run concurrently. Data problems of one image (an unreadable image,
/// only empty descriptions) are journalled as failed records and the run goes on; any other error
/// stops the run, and calling again resumes after the last journalled image.
/// </remarks>
public sealed class RejectionSamplingTrainer
{
    private readonly IVisionLanguageModel _model;
    private readonly INounExtractor _nounExtractor;
    private readonly IRewardCombiner _combiner;
    private readonly AutomaticScorer? _automatic;
    private readonly RewardModelScorer? _rewardModel;
    private readonly RejectionSamplingOptions _options;
    private readonly ILogger _logger;

    /// <summary>Composes the trainer.</summary>
    /// <param name="model">The LVLM to sample (and, for <see cref="TrainAsync"/>, fine-tune).</param>
    /// <param name="nounExtractor">Splits sentences and finds nouns.</param>
    /// <param name="combiner">Ranks the k samples.</param>
    /// <param name="detector">Required unless <see cref="RewardSources.RewardModel"/>.</param>
    /// <param name="rewardModel">Required unless <see cref="RewardSources.Automatic"/>.</param>
    /// <param name="options">Settings; paper defaults when null.</param>
    /// <param name="logger">Logger.</param>
    /// <exception cref="ArgumentException">A model the chosen reward sources need is missing.</exception>
    public RejectionSamplingTrainer(
        IVisionLanguageModel model,
        INounExtractor nounExtractor,
        IRewardCombiner combiner,
        IGroundingDetector? detector,
        ISentenceRewardModel? rewardModel,
        RejectionSamplingOptions? options = null,
        ILogger<RejectionSamplingTrainer>? logger = null)
    {
        _model = model ?? throw new ArgumentNullException(nameof(model));
        _nounExtractor = nounExtractor ?? throw new ArgumentNullException(nameof(nounExtractor));
        _combiner = combiner ?? throw new ArgumentNullException(nameof(combiner));
        _options = options ?? new RejectionSamplingOptions();
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        if (_options.Sampling.NumSamples < 1)
        {
            throw new ArgumentException($"Sampling.NumSamples must be at least 1, got {_options.Sampling.NumSamples}.", nameof(options));
        }

        if (_options.RewardSources != RewardSources.RewardModel)
        {
            _automatic = new AutomaticScorer(
                detector ?? throw new ArgumentException($"Reward sources '{_options.RewardSources}' need an {nameof(IGroundingDetector)}.", nameof(detector)),
                _options.Automatic);
        }

        if (_options.RewardSources != RewardSources.Automatic)
        {
            _rewardModel = new RewardModelScorer(
                rewardModel ?? throw new ArgumentException($"Reward sources '{_options.RewardSources}' need an {nameof(ISentenceRewardModel)}.", nameof(rewardModel)));
        }
    }

    /// <summary>The settings in use.</summary>
    public RejectionSamplingOptions Options => _options;

    /// <summary>
    /// Runs the method on one image and returns its record (not journalled). Data problems of the
    /// image give a <see cref="SupervisionStatus.Failed"/> record; other errors are thrown.
    /// </summary>
    public async Task<SupervisionRecord> ProcessImageAsync(TrainingItem item, int round = 0, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(item);
        try
        {
            return await ProcessCoreAsync(item, round, cancellationToken).ConfigureAwait(false);
        }
        catch (ImageDecodeException e)
        {
            _logger.LogWarning("Image {ImageId} failed: {Message}", item.Id, e.Message);
            return Failed(item, round, e.Message, []);
        }
    }

    /// <summary>
    /// Generates supervision for <paramref name="items"/> into the journal at
    /// <paramref name="journalPath"/>, resuming after the records already there (a torn last line is
    /// dropped). Records are written in data-set order and the combiner is replayed over the
    /// journalled ones, so a resumed run ends with exactly the records of an uninterrupted one.
    /// </summary>
    /// <returns>All records of the journal, old and new, in order.</returns>
    /// <exception cref="InvalidDataException">The journal is corrupt or belongs to another data set or shard.</exception>
    public async Task<IReadOnlyList<SupervisionRecord>> GenerateSupervisionAsync(
        IReadOnlyList<TrainingItem> items,
        string journalPath,
        int round = 0,
        IProgress<RejectionSamplingProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(items);
        EnsureUniqueIds(items);
        await using var journal = SupervisionJournal.Open(journalPath);
        var records = new List<SupervisionRecord>(items.Count);
        int failed = 0, withoutTarget = 0;
        foreach (var existing in journal.ExistingRecords)
        {
            var position = records.Count;
            if (position >= items.Count || existing.ImageId != items[position].Id || existing.Round != round)
            {
                var expected = position < items.Count ? $"'{items[position].Id}' (round {round})" : "no more images";
                throw new InvalidDataException(
                    $"Journal '{journalPath}', record {position + 1}, is image '{existing.ImageId}' (round {existing.Round}) but the data set has {expected} there: the journal belongs to another data set, shard or round.");
            }

            ReplayCombiner(existing);
            records.Add(existing);
            Count(existing, ref failed, ref withoutTarget);
        }

        if (records.Count > 0)
        {
            _logger.LogInformation("Resuming {Journal} after {Count} journalled images{Torn}.", journalPath, records.Count, journal.HadTornLine ? " (a torn last line was dropped)" : string.Empty);
            progress?.Report(new RejectionSamplingProgress(round, records.Count, items.Count, failed, withoutTarget, records[^1].ImageId));
        }

        for (var i = records.Count; i < items.Count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var record = await ProcessImageAsync(items[i], round, cancellationToken).ConfigureAwait(false);
            await journal.AppendAsync(record, CancellationToken.None).ConfigureAwait(false);
            records.Add(record);
            Count(record, ref failed, ref withoutTarget);
            progress?.Report(new RejectionSamplingProgress(round, records.Count, items.Count, failed, withoutTarget, record.ImageId));
        }

        return records;
    }

    /// <summary>
    /// The whole method: supervision, then fine-tuning, offline (one round) or online
    /// (<see cref="RejectionSamplingOptions.OnlineRounds"/> rounds). Everything lives under
    /// <paramref name="workDirectory"/> (<c>round-N/supervision.jsonl</c>, <c>round-N/state</c>,
    /// <c>round-N/model</c>); calling again resumes where the last call stopped.
    /// </summary>
    /// <returns>The folder of the final model.</returns>
    /// <exception cref="InvalidOperationException">The model cannot be fine-tuned, or a round produced no example.</exception>
    public async Task<string> TrainAsync(
        IReadOnlyList<TrainingItem> items,
        string workDirectory,
        IProgress<RejectionSamplingProgress>? progress = null,
        IProgress<FineTuningProgress>? fineTuningProgress = null,
        CancellationToken cancellationToken = default)
    {
        if (_model is not IFineTunableVisionLanguageModel trainable)
        {
            throw new InvalidOperationException($"The vision-language model ({_model.GetType().Name}) cannot be fine-tuned: it does not implement {nameof(IFineTunableVisionLanguageModel)}. Use GenerateSupervisionAsync for supervision only.");
        }

        var rounds = _options.Mode == TrainingMode.Online ? _options.OnlineRounds : 1;
        string? modelDirectory = null;
        for (var round = 0; round < rounds; round++)
        {
            var roundDirectory = System.IO.Path.Combine(workDirectory, $"round-{round}");
            var records = await GenerateSupervisionAsync(items, System.IO.Path.Combine(roundDirectory, "supervision.jsonl"), round, progress, cancellationToken).ConfigureAwait(false);
            var byId = items.ToDictionary(i => i.Id, StringComparer.Ordinal);
            var examples = records
                .Where(r => r.Status == SupervisionStatus.Ok)
                .Select(r => new FineTuningExample(byId[r.ImageId].Image, r.Prompt, r.Target!))
                .ToList();
            if (examples.Count == 0)
            {
                throw new InvalidOperationException($"Round {round} produced no training example: every image failed or lost all its sentences (see {roundDirectory}/supervision.jsonl).");
            }

            var fineTuning = _options.FineTuning.Clone();
            fineTuning.CheckpointDirectory = System.IO.Path.Combine(roundDirectory, "state");
            _logger.LogInformation("Round {Round}: fine-tuning on {Count} examples.", round, examples.Count);

            // A finished run in the state folder is restored, not repeated, so a resumed job reaches
            // later rounds with the weights the earlier rounds produced.
            await trainable.FineTuneAsync(examples, fineTuning, fineTuningProgress, cancellationToken).ConfigureAwait(false);
            modelDirectory = System.IO.Path.Combine(roundDirectory, "model");
            await trainable.SaveCheckpointAsync(modelDirectory, cancellationToken).ConfigureAwait(false);
        }

        return modelDirectory!;
    }

    /// <summary>The sampling seed of one image: derived from the base seed, the image id and the round only.</summary>
    public static int DeriveSeed(int baseSeed, string imageId, int round)
    {
        // FNV-1a: stable across processes and .NET versions, unlike string.GetHashCode.
        var hash = 2166136261u;
        foreach (var c in $"{baseSeed}/{round}/{imageId}")
        {
            hash = (hash ^ c) * 16777619u;
        }

        return (int)(hash & 0x7FFFFFFF);
    }

    private async Task<SupervisionRecord> ProcessCoreAsync(TrainingItem item, int round, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(item.Prompt))
        {
            return Failed(item, round, $"Image '{item.Id}' has an empty prompt.", []);
        }

        var sampling = _options.Sampling.Clone();
        sampling.Seed = DeriveSeed(_options.Seed, item.Id, round);
        var texts = await _model.SampleAsync(item.Image, item.Prompt, sampling, cancellationToken).ConfigureAwait(false);
        if (texts.Count != sampling.NumSamples)
        {
            throw new InvalidOperationException($"The model returned {texts.Count} samples for image '{item.Id}'; {sampling.NumSamples} were asked for.");
        }

        var parsed = new ParsedText[texts.Count];
        for (var i = 0; i < texts.Count; i++)
        {
            parsed[i] = await _nounExtractor.ExtractAsync(texts[i] ?? string.Empty, cancellationToken).ConfigureAwait(false);
        }

        // Empty samples take no part in scoring or selection: with no sentence they would have no penalty and win.
        var candidates = Enumerable.Range(0, parsed.Length).Where(i => parsed[i].Sentences.Count > 0).ToArray();
        if (candidates.Length == 0)
        {
            var empty = texts.Select((t, i) => new SampleRecord { Index = i, Text = t ?? string.Empty, Rank = -1 }).ToList();
            return Failed(item, round, $"The model returned only empty descriptions for image '{item.Id}'.", empty);
        }

        var candidateTexts = candidates.Select(i => parsed[i]).ToList();
        var automaticTask = _automatic?.ScoreAsync(item.Image, candidateTexts, cancellationToken);
        var rewardTask = _rewardModel?.ScoreAsync(item.Image, item.Prompt, candidateTexts, cancellationToken);
        var automatic = automaticTask is null ? null : await automaticTask.ConfigureAwait(false);
        var reward = rewardTask is null ? null : await rewardTask.ConfigureAwait(false);

        var scored = new ScoredSample[candidates.Length];
        for (var c = 0; c < candidates.Length; c++)
        {
            scored[c] = SampleScoring.Create(candidates[c], parsed[candidates[c]], automatic?[c], reward?[c], _options.RewardGranularity);
        }

        var ranking = _combiner.Rank(scored);
        var chosen = scored[ranking.Selected];
        var refined = SupervisionRefiner.Refine(chosen);
        var variances = (_combiner as VarianceScaledRewardCombiner)?.LastVariances;

        var samples = new SampleRecord[texts.Count];
        for (var i = 0; i < texts.Count; i++)
        {
            samples[i] = new SampleRecord { Index = i, Text = texts[i] ?? string.Empty, Rank = -1 };
        }

        for (var rank = 0; rank < ranking.Order.Count; rank++)
        {
            var c = ranking.Order[rank];
            samples[candidates[c]] = ToRecord(scored[c], ranking.Penalties[c], ranking.Bonuses[c], rank);
        }

        return new SupervisionRecord
        {
            ImageId = item.Id,
            Image = item.Image.Path,
            Prompt = item.Prompt,
            Round = round,
            Status = refined.IsEmpty ? SupervisionStatus.NoTarget : SupervisionStatus.Ok,
            Error = refined.IsEmpty ? "Refinement dropped every sentence of the chosen sample." : null,
            Samples = samples,
            Chosen = chosen.Index,
            Target = refined.IsEmpty ? null : refined.Text,
            Dropped = refined.Dropped,
            Variances = variances is { } v ? [v.Automatic, v.RewardModel] : null,
        };
    }

    private void ReplayCombiner(SupervisionRecord record)
    {
        var scored = record.Samples
            .Where(s => s.Rank >= 0)
            .Select(s => new ScoredSample(
                s.Index,
                s.Text,
                new ParsedText(s.Text, []),
                [],
                s.AutomaticPenalty,
                s.AutomaticBonus,
                s.RewardModelPenalty,
                s.RewardModelBonus))
            .OrderBy(s => s.Index)
            .ToList();
        if (scored.Count > 0)
        {
            _combiner.Rank(scored);
        }
    }

    private static SampleRecord ToRecord(ScoredSample sample, double penalty, double bonus, int rank) => new()
    {
        Index = sample.Index,
        Text = sample.Text,
        AutomaticPenalty = sample.AutomaticPenalty,
        AutomaticBonus = sample.AutomaticBonus,
        RewardModelPenalty = sample.RewardModelPenalty,
        RewardModelBonus = sample.RewardModelBonus,
        CombinedPenalty = penalty,
        CombinedBonus = bonus,
        Rank = rank,
        Sentences = sample.Parsed.Sentences.Select((s, i) => new SentenceRecord
        {
            Start = s.Start,
            End = s.End,
            Text = s.Text,
            Nouns = s.Nouns,
            Found = sample.Sentences[i].Automatic?.Found,
            Missing = sample.Sentences[i].Automatic?.Missing,
            CountMismatches = sample.Sentences[i].Automatic?.CountMismatches,
            Unverified = sample.Sentences[i].Automatic?.Unverified is { Count: > 0 } unverified ? unverified : null,
            RewardScore = sample.Sentences[i].RewardModel?.Score,
            RewardError = sample.Sentences[i].RewardModel?.Error,
        }).ToList(),
    };

    private static SupervisionRecord Failed(TrainingItem item, int round, string error, IReadOnlyList<SampleRecord> samples) => new()
    {
        ImageId = item.Id,
        Image = item.Image.Path,
        Prompt = item.Prompt,
        Round = round,
        Status = SupervisionStatus.Failed,
        Error = error,
        Samples = samples,
    };

    private static void Count(SupervisionRecord record, ref int failed, ref int withoutTarget)
    {
        if (record.Status == SupervisionStatus.Failed)
        {
            failed++;
        }
        else if (record.Status == SupervisionStatus.NoTarget)
        {
            withoutTarget++;
        }
    }

    private static void EnsureUniqueIds(IReadOnlyList<TrainingItem> items)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < items.Count; i++)
        {
            if (!seen.Add(items[i].Id))
            {
                throw new ArgumentException($"Image id '{items[i].Id}' appears twice in the data set (second time at item {i + 1}); ids key the journal and must be unique.", nameof(items));
            }
        }
    }
}
