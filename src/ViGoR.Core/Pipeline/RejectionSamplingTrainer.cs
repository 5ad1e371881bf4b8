using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace ViGoR;

/// <summary>
/// The ViGoR method (Yan et al., Fig. 2): for each image, sample k descriptions and score every
/// sentence with each reward stream (the automatic detector check and/or the reward model, Sec.
/// 3.1-3.2, and any stream of the caller's), journalling the scores; then, over the whole data set,
/// normalise each stream by its spread, select the least-penalty sample of each image and refine it
/// (Sec. 3.3-3.4); then fine-tune the model on the refined targets, once (offline) or in rounds that
/// regenerate with the evolving model (online, Sec. 3.5).
/// </summary>
/// <remarks>
/// Images are scored in batches of <see cref="RejectionSamplingOptions.ImageBatchSize"/> (one by one
/// by default; the models parallelise inside): sampling, and each stream that can
/// (<see cref="IBatchRewardStream"/>), run once per batch; records are journalled in data-set order
/// and equal those of batch 1. The streams run concurrently. Data problems of one image (an unreadable image, only empty
/// descriptions) are journalled as failed records and the run goes on; any other error stops the
/// run, and calling again resumes after the last journalled image. Selection is a pure function of
/// the journalled scores, so it is recomputed rather than resumed.
/// </remarks>
public sealed class RejectionSamplingTrainer
{
    /// <summary>The scores journal's file name in a round folder.</summary>
    public const string ScoresFileName = "scores.jsonl";

    /// <summary>The supervision journal's file name in a round folder.</summary>
    public const string SupervisionFileName = "supervision.jsonl";

    private readonly IVisionLanguageModel _model;
    private readonly INounExtractor _nounExtractor;
    private readonly IRewardCombiner _combiner;
    private readonly List<IRewardStream> _streams;
    private readonly RejectionSamplingOptions _options;
    private readonly ILogger _logger;

    /// <summary>Composes the trainer from reward streams.</summary>
    /// <param name="model">The LVLM to sample (and, for <see cref="TrainAsync"/>, fine-tune).</param>
    /// <param name="nounExtractor">Splits sentences and finds nouns.</param>
    /// <param name="streams">The reward streams (at least one, unique names); see <see cref="RewardStreams.ForSources"/> for the paper's presets.</param>
    /// <param name="combiner">Ranks the k samples; <see cref="LinearRewardCombiner"/> with defaults when null.</param>
    /// <param name="options">Settings; paper defaults when null. <see cref="RejectionSamplingOptions.RewardSources"/> is not read here: the streams are given.</param>
    /// <param name="logger">Logger.</param>
    /// <exception cref="ArgumentException">No stream, two streams with one name, k &lt; 1, or online with fewer than 1 round.</exception>
    public RejectionSamplingTrainer(
        IVisionLanguageModel model,
        INounExtractor nounExtractor,
        IReadOnlyList<IRewardStream> streams,
        IRewardCombiner? combiner = null,
        RejectionSamplingOptions? options = null,
        ILogger<RejectionSamplingTrainer>? logger = null)
    {
        _model = model ?? throw new ArgumentNullException(nameof(model));
        _nounExtractor = nounExtractor ?? throw new ArgumentNullException(nameof(nounExtractor));
        ArgumentNullException.ThrowIfNull(streams);
        _combiner = combiner ?? new LinearRewardCombiner();
        _options = options ?? new RejectionSamplingOptions();
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        if (_options.Sampling.NumSamples < 1)
        {
            throw new ArgumentException($"Sampling.NumSamples must be at least 1, got {_options.Sampling.NumSamples}.", nameof(options));
        }

        if (_options.ImageBatchSize < 1)
        {
            throw new ArgumentException($"ImageBatchSize must be at least 1, got {_options.ImageBatchSize}.", nameof(options));
        }

        if (_options.Mode == TrainingMode.Online && _options.OnlineRounds < 1)
        {
            throw new ArgumentException($"Online training needs at least 1 round (OnlineRounds), got {_options.OnlineRounds}.", nameof(options));
        }

        if (_options.Objective != TrainingObjective.Sft)
        {
            _options.Dpo.Validate();
            if ((_options.Objective == TrainingObjective.SftPlusDpo) != (_options.Dpo.SftWeight > 0))
            {
                throw new ArgumentException($"Objective {_options.Objective} needs Dpo.SftWeight {(_options.Objective == TrainingObjective.SftPlusDpo ? "> 0" : "= 0")}, got {_options.Dpo.SftWeight}.", nameof(options));
            }
        }

        if (streams.Count == 0)
        {
            throw new ArgumentException("At least one reward stream is needed.", nameof(streams));
        }

        var duplicate = streams.GroupBy(s => s.Name, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new ArgumentException($"Two reward streams are named '{duplicate.Key}'; stream names key the journal and the weights and must be unique.", nameof(streams));
        }

        _streams = streams.ToList();
    }

    /// <summary>
    /// The compatibility path: composes the trainer with the streams of
    /// <see cref="RejectionSamplingOptions.RewardSources"/> (ViGoR-AT, -RM or -All; ViGoR-All when unset)
    /// plus <paramref name="additionalStreams"/>. New code passes its streams to the constructor that takes them.
    /// </summary>
    /// <exception cref="ArgumentException">A model the chosen reward sources need is missing.</exception>
    public RejectionSamplingTrainer(
        IVisionLanguageModel model,
        INounExtractor nounExtractor,
        IRewardCombiner? combiner,
        IGroundingDetector? detector,
        ISentenceRewardModel? rewardModel,
        RejectionSamplingOptions? options = null,
        ILogger<RejectionSamplingTrainer>? logger = null,
        IEnumerable<IRewardStream>? additionalStreams = null)
        : this(
            model,
            nounExtractor,
            [.. RewardStreams.ForSources((options ?? new RejectionSamplingOptions()).RewardSources ?? RewardSources.Both, detector, rewardModel, options), .. additionalStreams ?? []],
            combiner,
            options,
            logger)
    {
    }

    /// <summary>The settings in use.</summary>
    public RejectionSamplingOptions Options => _options;

    /// <summary>The reward streams, in the order given.</summary>
    public IReadOnlyList<IRewardStream> Streams => _streams;

    /// <summary>
    /// The settings that shape scored records, as recorded in a scores journal's header: sampling
    /// (k, temperature, top-p, max new tokens, seed), the model and noun extractor, and each stream's
    /// settings prefixed by its name. Numbers are written as given (a temperature of 0.7f as 0.7).
    /// Replaying recorded samples (<see cref="RecordedVisionLanguageModel"/>) draws none, so only k is
    /// recorded of the sampling settings; the samples file's content is in the model's identity.
    /// A job array's chunk (<see cref="RejectionSamplingOptions.Chunk"/>) also records the selection it
    /// is to be merged with (<see cref="SelectionSettings"/>; precomputed statistics in
    /// <see cref="JournalHeader.Statistics"/>), read back by <see cref="JournalShards.Merge"/>.
    /// </summary>
    public JournalHeader ScoresHeader()
    {
        // The float's shortest round-trip text: 0.7f, not the 0.699999988079071 of its widening to double.
        static string F(float f) => f.ToString("R", CultureInfo.InvariantCulture);
        var s = _options.Sampling;
        var settings = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["sampling.num_samples"] = s.NumSamples.ToString(CultureInfo.InvariantCulture),
            ["model"] = ComponentIdentity.Of(_model),
            ["noun_extractor"] = ComponentIdentity.Of(_nounExtractor),
            ["streams"] = string.Join(",", _streams.Select(x => x.Name).Order(StringComparer.Ordinal)),
        };
        if (_model is not RecordedVisionLanguageModel)
        {
            settings["sampling.temperature"] = F(s.Temperature);
            settings["sampling.top_p"] = F(s.TopP);
            settings["sampling.max_new_tokens"] = s.MaxNewTokens.ToString(CultureInfo.InvariantCulture);
            settings["sampling.top_k"] = s.TopK.ToString(CultureInfo.InvariantCulture);
            settings["sampling.seed"] = _options.Seed.ToString(CultureInfo.InvariantCulture);
            foreach (var (key, value) in s.AdditionalProperties.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                settings[$"sampling.{key}"] = Convert.ToString(value, CultureInfo.InvariantCulture) ?? "null";
            }
        }

        foreach (var stream in _streams)
        {
            foreach (var (key, value) in stream.Settings)
            {
                settings[$"{stream.Name}.{key}"] = value;
            }
        }

        if (_options.Chunk is not { Count: > 1 } chunk)
        {
            return new JournalHeader { VigorJournal = JournalHeader.ScoresKind, Settings = settings };
        }

        // A chunk is selected later, by the merge, which has no flags of its own: the selection the
        // run was given travels in the header, and chunks given different ones do not merge.
        foreach (var (key, value) in SelectionSettings.Of(_combiner, _options.Selection, fingerprintStatistics: true))
        {
            settings[key] = value;
        }

        return new JournalHeader { VigorJournal = JournalHeader.ScoresKind, Settings = settings, Chunk = chunk, Statistics = _options.Selection.Statistics };
    }

    /// <summary>
    /// Samples and scores one image and returns its scored record (not journalled, not selected).
    /// Data problems of the image give a <see cref="SupervisionStatus.Failed"/> record; other errors
    /// are thrown. The image's decoded pixels are released when it is done.
    /// </summary>
    public async Task<SupervisionRecord> ScoreImageAsync(TrainingItem item, int round = 0, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(item);
        return await ScoreImageAsync(item, round, null, cancellationToken).ConfigureAwait(false);
    }

    private async Task<SupervisionRecord> ScoreImageAsync(TrainingItem item, int round, IReadOnlyList<string>? sampled, CancellationToken cancellationToken)
    {
        try
        {
            return await ScoreCoreAsync(item, round, sampled, cancellationToken).ConfigureAwait(false);
        }
        catch (ImageDecodeException e)
        {
            return DecodeFailed(item, round, e);
        }
        finally
        {
            item.Image.ReleasePixels();
        }
    }

    /// <summary>
    /// Scores <paramref name="items"/> into the scores journal at <paramref name="scoresPath"/>,
    /// resuming after the records already there (a torn last line is dropped). Records are written
    /// in data-set order, so a resumed run ends with exactly the records of an uninterrupted one.
    /// </summary>
    /// <returns>All scored records of the journal, old and new, in order.</returns>
    /// <exception cref="JournalSettingsException">The journal was written with other settings.</exception>
    /// <exception cref="InvalidDataException">The journal is corrupt or belongs to another data set or shard.</exception>
    /// <exception cref="WorkFolderLockedException">Another process is writing the journal (<see cref="WorkFolderLock.ForFile"/>).</exception>
    public async Task<IReadOnlyList<SupervisionRecord>> ScoreAsync(
        IReadOnlyList<TrainingItem> items,
        string scoresPath,
        int round = 0,
        IProgress<RejectionSamplingProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(items);
        EnsureUniqueIds(items);
        using var writer = WorkFolderLock.ForFile(scoresPath);
        await using var journal = SupervisionJournal.Open(scoresPath, ScoresHeader());
        var records = new List<SupervisionRecord>(items.Count);
        int failed = 0, unreadable = 0;
        foreach (var existing in journal.ExistingRecords)
        {
            var position = records.Count;
            if (position >= items.Count || existing.ImageId != items[position].Id || existing.Round != round)
            {
                var expected = position < items.Count ? $"'{items[position].Id}' (round {round})" : "no more images";
                throw new InvalidDataException(
                    $"Journal '{scoresPath}', record {position + 1}, is image '{existing.ImageId}' (round {existing.Round}) but the data set has {expected} there: the journal belongs to another data set, shard or round.");
            }

            if (existing.Prompt != items[position].Prompt)
            {
                throw new JournalSettingsException(scoresPath, [$"prompt of image '{existing.ImageId}': \"{existing.Prompt}\" in the journal, \"{items[position].Prompt}\" now"]);
            }

            records.Add(existing);
            Count(existing, ref failed, ref unreadable);
        }

        if (records.Count > 0)
        {
            _logger.LogInformation("Resuming {Journal} after {Count} scored images{Torn}.", scoresPath, records.Count, journal.HadTornLine ? " (a torn last line was dropped)" : string.Empty);
            progress?.Report(new RejectionSamplingProgress(round, records.Count, items.Count, failed, unreadable, records[^1].ImageId));
        }

        for (var i = records.Count; i < items.Count; i += _options.ImageBatchSize)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var batch = items.Skip(i).Take(_options.ImageBatchSize).ToList();
            var scored = batch.Count == 1
                ? [await ScoreImageAsync(batch[0], round, null, cancellationToken).ConfigureAwait(false)]
                : await ScoreBatchAsync(batch, round, cancellationToken).ConfigureAwait(false);
            foreach (var record in scored)
            {
                // Journalled image by image, in data-set order: the journal's guarantees hold within a batch.
                await journal.AppendAsync(record, CancellationToken.None).ConfigureAwait(false);
                records.Add(record);
                Count(record, ref failed, ref unreadable);
                progress?.Report(new RejectionSamplingProgress(round, records.Count, items.Count, failed, unreadable, record.ImageId));
            }
        }

        if (failed > 0)
        {
            _logger.LogWarning("{Failed} of {Count} images failed in {Journal}; each record's 'error' says why.", failed, records.Count, scoresPath);
        }

        return records;
    }

    /// <summary>
    /// Samples and scores a batch of images: one batched sampling call when the model can, then each
    /// stream once over the whole batch (<see cref="IBatchRewardStream"/>; others image by image). The
    /// records equal those of scoring the images one by one: an image that fails to decode fails alone
    /// (a shared call it broke is redone image by image), and other errors stop the run.
    /// </summary>
    private async Task<IReadOnlyList<SupervisionRecord>> ScoreBatchAsync(List<TrainingItem> batch, int round, CancellationToken cancellationToken)
    {
        try
        {
            var sampled = await SampleBatchAsync(batch, round, cancellationToken).ConfigureAwait(false);
            var records = new SupervisionRecord?[batch.Count];
            var prepared = new List<(int Index, PreparedImage Image)>(batch.Count);
            for (var b = 0; b < batch.Count; b++)
            {
                try
                {
                    var (failed, image) = await PrepareAsync(batch[b], round, sampled?[b], cancellationToken).ConfigureAwait(false);
                    records[b] = failed;
                    if (image is not null)
                    {
                        prepared.Add((b, image));
                    }
                }
                catch (ImageDecodeException e)
                {
                    records[b] = DecodeFailed(batch[b], round, e);
                }
            }

            IReadOnlyList<StreamScore>[][]? scores = null;
            try
            {
                var inputs = prepared.Select(p => p.Image.Input).ToList();
                scores = await Task.WhenAll(_streams.Select(s => ScoreStreamBatchAsync(s, inputs, cancellationToken))).ConfigureAwait(false);
            }
            catch (ImageDecodeException)
            {
                // Which image broke the shared call is learnt by asking for each alone, below.
            }

            for (var p = 0; p < prepared.Count; p++)
            {
                var (index, image) = prepared[p];
                try
                {
                    records[index] = scores is not null
                        ? Complete(image, scores.Select(perStream => perStream[p]).ToArray())
                        : await ScorePreparedAsync(image, cancellationToken).ConfigureAwait(false);
                }
                catch (ImageDecodeException e)
                {
                    records[index] = DecodeFailed(batch[index], round, e);
                }
            }

            return records!;
        }
        finally
        {
            foreach (var item in batch)
            {
                item.Image.ReleasePixels();
            }
        }
    }

    private static async Task<IReadOnlyList<StreamScore>[]> ScoreStreamBatchAsync(IRewardStream stream, List<RewardStreamInput> inputs, CancellationToken cancellationToken)
    {
        var result = new IReadOnlyList<StreamScore>[inputs.Count];
        if (stream.GetService<IBatchRewardStream>() is { } batched && inputs.Count > 1)
        {
            var all = await batched.ScoreBatchAsync(inputs, cancellationToken).ConfigureAwait(false);
            if (all.Count != inputs.Count)
            {
                throw new InvalidOperationException($"Reward stream '{stream.Name}' returned scores for {all.Count} images; {inputs.Count} were given.");
            }

            for (var i = 0; i < inputs.Count; i++)
            {
                result[i] = CheckScores(stream, inputs[i], all[i]);
            }

            return result;
        }

        for (var i = 0; i < inputs.Count; i++)
        {
            result[i] = await ScoreStreamAsync(stream, inputs[i], cancellationToken).ConfigureAwait(false);
        }

        return result;
    }

    /// <summary>
    /// The k samples of every image of <paramref name="batch"/> from one batched call, or null to
    /// sample image by image (batch of one, a model that cannot batch, an empty prompt, or an image
    /// that fails to decode: then each image meets its own fate).
    /// </summary>
    private async Task<IReadOnlyList<IReadOnlyList<string>>?> SampleBatchAsync(List<TrainingItem> batch, int round, CancellationToken cancellationToken)
    {
        if (batch.Count < 2 || _model.GetService<IBatchVisionLanguageModel>() is not { } batched || batch.Any(b => string.IsNullOrWhiteSpace(b.Prompt)))
        {
            return null;
        }

        try
        {
            var requests = batch.Select(b => new SampleRequest(b.Image, b.Prompt, DeriveSeed(_options.Seed, b.Id, round))).ToList();
            return await batched.SampleBatchAsync(requests, _options.Sampling, cancellationToken).ConfigureAwait(false);
        }
        catch (ImageDecodeException)
        {
            return null;
        }
    }

    /// <summary>
    /// Selection and refinement over scored records (see <see cref="SupervisionSelector"/>), with
    /// this trainer's combiner and <see cref="RejectionSamplingOptions.Selection"/>.
    /// </summary>
    public SelectionResult Select(IReadOnlyList<SupervisionRecord> scored) =>
        SupervisionSelector.Select(scored, _combiner, _options.Selection);

    /// <summary>
    /// The header of a supervision journal selected from a scores journal with
    /// <paramref name="scoresHeader"/>: its settings plus the selection's, and the statistics used.
    /// </summary>
    public JournalHeader SupervisionHeader(JournalHeader scoresHeader, RewardStatistics statistics) =>
        SelectionHeader(scoresHeader, _combiner, _options.Selection, statistics);

    /// <summary>
    /// The header of a supervision journal: the scores' settings (without the selection a chunk's run
    /// recorded) plus the selection's (<see cref="SelectionSettings.Of"/>), and the statistics used.
    /// </summary>
    public static JournalHeader SelectionHeader(JournalHeader scoresHeader, IRewardCombiner combiner, SelectionOptions selection, RewardStatistics statistics)
    {
        ArgumentNullException.ThrowIfNull(scoresHeader);
        var settings = SelectionSettings.Without(scoresHeader.Settings);
        foreach (var (key, value) in SelectionSettings.Of(combiner, selection))
        {
            settings[key] = value;
        }

        return new JournalHeader { VigorJournal = JournalHeader.SupervisionKind, Settings = settings, Statistics = statistics };
    }

    /// <summary>
    /// Supervision for <paramref name="items"/> in <paramref name="roundDirectory"/>: scores into
    /// <c>scores.jsonl</c> (resumable), then selects over the whole journal and writes
    /// <c>supervision.jsonl</c> (replaced atomically) with the statistics in its header.
    /// </summary>
    /// <returns>The selected records, in data-set order.</returns>
    /// <exception cref="WorkFolderLockedException">Another process is writing this round's journals.</exception>
    public async Task<IReadOnlyList<SupervisionRecord>> GenerateSupervisionAsync(
        IReadOnlyList<TrainingItem> items,
        string roundDirectory,
        int round = 0,
        IProgress<RejectionSamplingProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(roundDirectory);
        var scoresPath = System.IO.Path.Combine(roundDirectory, ScoresFileName);

        // Held until supervision.jsonl is written: both journals of the round are this process's.
        using var writer = WorkFolderLock.ForFile(scoresPath);
        await ScoreAsync(items, scoresPath, round, progress, cancellationToken).ConfigureAwait(false);

        // Select from the journal as written, so that a run, a resumed run and a merge of chunks
        // all select from byte-identical inputs.
        var (header, scored) = SupervisionJournal.ReadAll(scoresPath);
        var selection = Select(scored);
        SupervisionJournal.WriteAll(System.IO.Path.Combine(roundDirectory, SupervisionFileName), SupervisionHeader(header!, selection.Statistics), selection.Records);
        return selection.Records;
    }

    /// <summary>
    /// The whole method: supervision, then fine-tuning, offline (one round) or online
    /// (<see cref="RejectionSamplingOptions.OnlineRounds"/> rounds). Everything lives under
    /// <paramref name="workDirectory"/> (<c>round-N/scores.jsonl</c>, <c>round-N/supervision.jsonl</c>,
    /// <c>round-N/state</c>, <c>round-N/model</c>); calling again resumes where the last call stopped.
    /// </summary>
    /// <returns>The folder of the final model.</returns>
    /// <exception cref="InvalidOperationException">The model cannot be fine-tuned, or a round produced no example.</exception>
    /// <exception cref="WorkFolderLockedException">Another process is running in <paramref name="workDirectory"/> (<see cref="WorkFolderLock.ForFolder"/>); nothing was read or written.</exception>
    public async Task<string> TrainAsync(
        IReadOnlyList<TrainingItem> items,
        string workDirectory,
        IProgress<RejectionSamplingProgress>? progress = null,
        IProgress<FineTuningProgress>? fineTuningProgress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(items);
        if (_model.GetService<IFineTunableVisionLanguageModel>() is not { } trainable)
        {
            throw new InvalidOperationException($"The vision-language model ({_model.GetType().Name}) cannot be fine-tuned: it does not implement {nameof(IFineTunableVisionLanguageModel)}. Use GenerateSupervisionAsync for supervision only.");
        }

        if (_options.Objective != TrainingObjective.Sft && trainable is not IPreferenceTunableVisionLanguageModel)
        {
            throw new InvalidOperationException($"The vision-language model ({_model.GetType().Name}) cannot learn from preferences: it does not implement {nameof(IPreferenceTunableVisionLanguageModel)}. Use Objective = Sft.");
        }

        using var folder = WorkFolderLock.ForFolder(workDirectory);
        var rounds = _options.Mode == TrainingMode.Online ? _options.OnlineRounds : 1;
        var byId = items.ToDictionary(i => i.Id, StringComparer.Ordinal);
        string? modelDirectory = null;
        for (var round = 0; round < rounds; round++)
        {
            var roundDirectory = System.IO.Path.Combine(workDirectory, $"round-{round}");
            var records = await GenerateSupervisionAsync(items, roundDirectory, round, progress, cancellationToken).ConfigureAwait(false);
            var fineTuning = _options.FineTuning.Clone();
            fineTuning.CheckpointDirectory = System.IO.Path.Combine(roundDirectory, "state");

            // A finished run in the state folder is restored, not repeated, so a resumed job reaches
            // later rounds with the weights the earlier rounds produced.
            if (_options.Objective == TrainingObjective.Sft)
            {
                var examples = records
                    .Where(r => r.Status == SupervisionStatus.Ok)
                    .Select(r => new FineTuningExample(byId[r.ImageId].Image, r.Prompt, r.Target!))
                    .ToList();
                if (examples.Count == 0)
                {
                    throw new InvalidOperationException($"Round {round} produced no training example: every image failed or lost all its sentences (see {roundDirectory}/{SupervisionFileName}).");
                }

                _logger.LogInformation("Round {Round}: fine-tuning on {Count} examples.", round, examples.Count);
                await trainable.FineTuneAsync(examples, fineTuning, fineTuningProgress, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                var preference = (IPreferenceTunableVisionLanguageModel)trainable;
                var pairs = await ReferencedPairsAsync(preference, records, byId, roundDirectory, round, cancellationToken).ConfigureAwait(false);
                _logger.LogInformation("Round {Round}: preference optimisation ({Objective}) on {Count} pairs.", round, _options.Objective, pairs.Count);
                await preference.PreferenceTuneAsync(pairs, _options.Dpo, fineTuning, fineTuningProgress, cancellationToken).ConfigureAwait(false);
            }

            modelDirectory = System.IO.Path.Combine(roundDirectory, "model");
            var saved = System.IO.Path.Combine(roundDirectory, "model.saved");
            if (File.Exists(saved))
            {
                _logger.LogInformation("Round {Round}: the model in {Model} was saved by an earlier call; not saving it again.", round, modelDirectory);
                continue;
            }

            await trainable.SaveCheckpointAsync(modelDirectory, cancellationToken).ConfigureAwait(false);
            await File.WriteAllTextAsync(saved, DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture), CancellationToken.None).ConfigureAwait(false);
        }

        return modelDirectory!;
    }

    /// <summary>The name of a round's preference pairs file (with the reference log-probabilities), beside its supervision.</summary>
    public const string PairsFileName = "pairs.jsonl";

    /// <summary>
    /// The round's preference pairs with reference log-probabilities from the model as it is before the
    /// round trains (round 0: the initial model; round N: round N-1's), computed once and kept in
    /// <c>round-N/pairs.jsonl</c>, whose header names the supervision it was built from.
    /// </summary>
    private async Task<IReadOnlyList<PreferencePair>> ReferencedPairsAsync(IPreferenceTunableVisionLanguageModel model, IReadOnlyList<SupervisionRecord> records, Dictionary<string, TrainingItem> byId, string roundDirectory, int round, CancellationToken cancellationToken)
    {
        var pairs = PreferencePairs.FromRecords(records, _options.Dpo.Pairing, r => byId[r.ImageId].Image);
        if (pairs.Count == 0)
        {
            throw new InvalidOperationException($"Round {round} produced no preference pair ({_options.Dpo.Pairing}): no image had a target and a sample to prefer it over (see {roundDirectory}/{SupervisionFileName}).");
        }

        var header = PreferencePairs.Header(System.IO.Path.Combine(roundDirectory, SupervisionFileName), _options.Dpo.Pairing, round == 0 ? "initial model" : $"round-{round - 1}/model");
        return await PreferencePairs.WithReferenceAsync(model, pairs, System.IO.Path.Combine(roundDirectory, PairsFileName), header, cancellationToken: cancellationToken).ConfigureAwait(false);
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

    private async Task<SupervisionRecord> ScoreCoreAsync(TrainingItem item, int round, IReadOnlyList<string>? sampled, CancellationToken cancellationToken)
    {
        var (failed, image) = await PrepareAsync(item, round, sampled, cancellationToken).ConfigureAwait(false);
        return failed ?? await ScorePreparedAsync(image!, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>An image sampled and parsed, ready for the reward streams.</summary>
    private sealed record PreparedImage(TrainingItem Item, int Round, ParsedText[] Parsed, int[] Candidates, SampleRecord[] Samples, RewardStreamInput Input);

    /// <summary>Samples (unless <paramref name="sampled"/> is given) and parses one image; a data problem gives its failed record instead.</summary>
    private async Task<(SupervisionRecord? Failed, PreparedImage? Image)> PrepareAsync(TrainingItem item, int round, IReadOnlyList<string>? sampled, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(item.Prompt))
        {
            return (Failed(item, round, $"Image '{item.Id}' has an empty prompt.", []), null);
        }

        var sampling = _options.Sampling.Clone();
        sampling.Seed = DeriveSeed(_options.Seed, item.Id, round);
        var texts = sampled ?? await _model.SampleAsync(item.Image, item.Prompt, sampling, cancellationToken).ConfigureAwait(false);
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
        var samples = texts.Select((t, i) => new SampleRecord { Index = i, Text = t ?? string.Empty }).ToArray();
        if (candidates.Length == 0)
        {
            return (Failed(item, round, $"The model returned only empty descriptions for image '{item.Id}'.", samples), null);
        }

        var input = new RewardStreamInput(item.Image, item.Prompt, candidates.Select(i => parsed[i]).ToList());
        return (null, new PreparedImage(item, round, parsed, candidates, samples, input));
    }

    private async Task<SupervisionRecord> ScorePreparedAsync(PreparedImage image, CancellationToken cancellationToken)
    {
        // For one image the streams run concurrently.
        var scores = await Task.WhenAll(_streams.Select(s => ScoreStreamAsync(s, image.Input, cancellationToken))).ConfigureAwait(false);
        return Complete(image, scores);
    }

    /// <summary>The scored record of <paramref name="image"/>, given each stream's scores of its candidates (in stream order).</summary>
    private SupervisionRecord Complete(PreparedImage image, IReadOnlyList<StreamScore>[] scores)
    {
        var samples = image.Samples.ToArray();
        for (var c = 0; c < image.Candidates.Length; c++)
        {
            var streams = new SortedDictionary<string, StreamScore>(StringComparer.Ordinal);
            for (var s = 0; s < _streams.Count; s++)
            {
                streams[_streams[s].Name] = scores[s][c];
            }

            var index = image.Candidates[c];
            samples[index] = SupervisionSelector.ToRecord(new ScoredSample(index, image.Parsed[index], streams));
        }

        return new SupervisionRecord
        {
            ImageId = image.Item.Id,
            Image = image.Item.Image.Path,
            Prompt = image.Item.Prompt,
            Round = image.Round,
            Status = SupervisionStatus.Scored,
            Samples = samples,
        };
    }

    private static async Task<IReadOnlyList<StreamScore>> ScoreStreamAsync(IRewardStream stream, RewardStreamInput input, CancellationToken cancellationToken) =>
        CheckScores(stream, input, await stream.ScoreAsync(input, cancellationToken).ConfigureAwait(false));

    private static IReadOnlyList<StreamScore> CheckScores(IRewardStream stream, RewardStreamInput input, IReadOnlyList<StreamScore> scores)
    {
        if (scores.Count != input.Samples.Count)
        {
            throw new InvalidOperationException($"Reward stream '{stream.Name}' returned {scores.Count} scores for the {input.Samples.Count} samples of image '{input.Image.Id}'.");
        }

        for (var i = 0; i < scores.Count; i++)
        {
            if (scores[i].Sentences.Count != input.Samples[i].Sentences.Count)
            {
                throw new InvalidOperationException($"Reward stream '{stream.Name}' returned {scores[i].Sentences.Count} sentence signals for sample {i} of image '{input.Image.Id}', which has {input.Samples[i].Sentences.Count} sentences.");
            }
        }

        return scores;
    }

    private SupervisionRecord DecodeFailed(TrainingItem item, int round, ImageDecodeException e) => Failed(item, round, e.Message, []);

    /// <summary>A failed record, logged with its reason: the journal is not the only place that says so.</summary>
    private SupervisionRecord Failed(TrainingItem item, int round, string error, IReadOnlyList<SampleRecord> samples)
    {
        _logger.LogWarning("Image {ImageId} failed (round {Round}): {Reason}", item.Id, round, error);
        return new()
        {
            ImageId = item.Id,
            Image = item.Image.Path,
            Prompt = item.Prompt,
            Round = round,
            Status = SupervisionStatus.Failed,
            Error = error,
            Samples = samples,
        };
    }

    private static void Count(SupervisionRecord record, ref int failed, ref int unreadable)
    {
        if (record.Status == SupervisionStatus.Failed)
        {
            failed++;
        }

        unreadable += CountUnreadable(record);
    }

    /// <summary>The sentences of <paramref name="record"/> whose reward-model reply was unreadable.</summary>
    public static int CountUnreadable(SupervisionRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        return record.Samples.Sum(s => s.Sentences.Count(x => RewardModelEvidence.From(x.Signals.GetValueOrDefault(RewardStreams.RewardModel))?.Unreadable == true));
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
