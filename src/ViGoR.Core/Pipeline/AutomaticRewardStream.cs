using System.Globalization;

namespace ViGoR;

/// <summary>
/// The automatic reward stream (Yan et al., Sec. 3.2): asks the detector, once per image, about
/// the union of the asserted thing nouns of all k samples, then marks every mention found
/// (positive) or missing (penalty, and refinement drops its sentence, Sec. 3.4). Negated and
/// hedged mentions are never penalised; nouns a closed-vocabulary detector cannot judge are
/// recorded as unverified. A sentence without an asserted thing noun gets no signal.
/// </summary>
public sealed class AutomaticRewardStream : IBatchRewardStream
{
    private readonly IGroundingDetector _detector;
    private readonly AutomaticStreamOptions _options;

    /// <summary>Creates the stream.</summary>
    public AutomaticRewardStream(IGroundingDetector detector, AutomaticStreamOptions? options = null)
    {
        _detector = detector ?? throw new ArgumentNullException(nameof(detector));
        _options = options?.Clone() ?? new AutomaticStreamOptions();
        Settings = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["detector"] = ComponentIdentity.Of(detector),
            ["box_threshold"] = _options.Grounding.BoxThreshold.ToString("R", CultureInfo.InvariantCulture),
            ["text_threshold"] = _options.Grounding.TextThreshold.ToString("R", CultureInfo.InvariantCulture),
            ["check_counts"] = _options.CheckCounts ? "true" : "false",
        };
    }

    /// <inheritdoc />
    public string Name => RewardStreams.Automatic;

    /// <inheritdoc />
    public IReadOnlyDictionary<string, string> Settings { get; }

    /// <inheritdoc />
    /// <remarks>Makes at most one detector call (none when no sample asserts a thing noun).</remarks>
    public async Task<IReadOnlyList<StreamScore>> ScoreAsync(RewardStreamInput input, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(input);
        var phrases = PhrasesToAsk(input);
        var detections = phrases.Count > 0
            ? await _detector.DetectAsync(input.Image, phrases, _options.Grounding, cancellationToken).ConfigureAwait(false)
            : [];
        return Score(input, phrases, detections);
    }

    /// <inheritdoc />
    /// <remarks>
    /// With an <see cref="IBatchGroundingDetector"/>, one batched detector call for all inputs, each
    /// image with its own phrases; otherwise one call per input, one after another.
    /// </remarks>
    public async Task<IReadOnlyList<IReadOnlyList<StreamScore>>> ScoreBatchAsync(IReadOnlyList<RewardStreamInput> inputs, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        var phrases = inputs.Select(i => PhrasesToAsk(i ?? throw new ArgumentException("An input is null.", nameof(inputs)))).ToList();
        var asked = Enumerable.Range(0, inputs.Count).Where(i => phrases[i].Count > 0).ToList();
        var detections = new IReadOnlyList<Detection>[inputs.Count];
        Array.Fill(detections, []);
        if (_detector.GetService<IBatchGroundingDetector>() is { } batch && asked.Count > 1)
        {
            var found = await batch.DetectBatchAsync(asked.Select(i => new GroundingQuery(inputs[i].Image, phrases[i])).ToList(), _options.Grounding, cancellationToken).ConfigureAwait(false);
            if (found.Count != asked.Count)
            {
                throw new InvalidOperationException($"The detector returned {found.Count} detection lists for {asked.Count} images.");
            }

            for (var j = 0; j < asked.Count; j++)
            {
                detections[asked[j]] = found[j];
            }
        }
        else
        {
            foreach (var i in asked)
            {
                detections[i] = await _detector.DetectAsync(inputs[i].Image, phrases[i], _options.Grounding, cancellationToken).ConfigureAwait(false);
            }
        }

        return Enumerable.Range(0, inputs.Count).Select(i => Score(inputs[i], phrases[i], detections[i])).ToList();
    }

    // The union of the samples' asserted thing nouns, less those a closed vocabulary cannot judge.
    private List<string> PhrasesToAsk(RewardStreamInput input)
    {
        var vocabulary = _detector.GetService<IClosedVocabularyDetector>();
        return DetectorQueryPlanner.Plan(input.Samples)
            .Where(q => vocabulary is null || vocabulary.CanVerify(q.Phrase))
            .Select(q => q.Phrase)
            .ToList();
    }

    private List<StreamScore> Score(RewardStreamInput input, IReadOnlyList<string> phrases, IReadOnlyList<Detection> detections)
    {
        var queried = phrases.ToHashSet(StringComparer.Ordinal);
        var detectionsPerPhrase = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var detection in detections)
        {
            // A box supports every phrase it lights, so "man" from one sample is not judged
            // missing because "person" from another sample was the box's most probable phrase.
            foreach (var phrase in detection.Queries)
            {
                detectionsPerPhrase[phrase] = detectionsPerPhrase.GetValueOrDefault(phrase) + 1;
            }
        }

        var result = new List<StreamScore>(input.Samples.Count);
        foreach (var sample in input.Samples)
        {
            var perSentence = new List<SentenceSignal?>(sample.Sentences.Count);
            foreach (var sentence in sample.Sentences)
            {
                perSentence.Add(Judge(sentence, queried, detectionsPerPhrase));
            }

            result.Add(StreamScore.Sum(perSentence));
        }

        return result;
    }

    private SentenceSignal? Judge(ParsedSentence sentence, HashSet<string> queried, Dictionary<string, int> detectionsPerPhrase)
    {
        var found = new List<string>();
        var missing = new List<string>();
        var countMismatches = new List<string>();
        var unverified = new List<string>();
        foreach (var noun in sentence.Nouns)
        {
            if (noun.Kind != NounKind.Thing || !noun.IsAsserted)
            {
                continue;
            }

            if (!queried.Contains(noun.Lemma))
            {
                unverified.Add(noun.Lemma);
                continue;
            }

            var detected = detectionsPerPhrase.GetValueOrDefault(noun.Lemma);
            if (detected == 0)
            {
                missing.Add(noun.Lemma);
                continue;
            }

            found.Add(noun.Lemma);
            if (_options.CheckCounts && noun.Count is { } stated && stated != detected)
            {
                countMismatches.Add(noun.Lemma);
            }
        }

        if (found.Count + missing.Count + countMismatches.Count + unverified.Count == 0)
        {
            return null;
        }

        return new SentenceSignal
        {
            Penalty = missing.Count + countMismatches.Count,
            Bonus = found.Count,
            Drop = missing.Count > 0 ? missing : null,
            Evidence = new AutomaticEvidence
            {
                Found = found,
                Missing = missing,
                CountMismatches = countMismatches,
                Unverified = unverified.Count > 0 ? unverified : null,
            }.ToEvidence(),
        };
    }
}
