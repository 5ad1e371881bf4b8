namespace ViGoR;

/// <summary>
/// The automatic reward stream (Yan et al., Sec. 3.3): asks the detector, once per image, about
/// the union of the asserted thing nouns of all k samples, then marks every mention found or
/// missing. Negated and hedged mentions are never penalised.
/// </summary>
public sealed class AutomaticScorer
{
    private readonly IGroundingDetector _detector;
    private readonly AutomaticScoringOptions _options;

    /// <summary>Creates the scorer.</summary>
    public AutomaticScorer(IGroundingDetector detector, AutomaticScoringOptions? options = null)
    {
        _detector = detector ?? throw new ArgumentNullException(nameof(detector));
        _options = options ?? new AutomaticScoringOptions();
    }

    /// <summary>
    /// Scores every sentence of every sample. Returns, per sample, one signal per sentence.
    /// Makes at most one detector call (none when no sample asserts a thing noun).
    /// </summary>
    public async Task<IReadOnlyList<IReadOnlyList<AutomaticSentenceSignal>>> ScoreAsync(
        ImageInput image,
        IReadOnlyList<ParsedText> samples,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(samples);
        var vocabulary = _detector as IClosedVocabularyDetector;
        var queries = DetectorQueryPlanner.Plan(samples)
            .Where(q => vocabulary is null || vocabulary.CanVerify(q.Phrase))
            .ToList();
        var queried = queries.Select(q => q.Phrase).ToHashSet(StringComparer.Ordinal);
        var detectionsPerPhrase = new Dictionary<string, int>(StringComparer.Ordinal);
        if (queries.Count > 0)
        {
            var detections = await _detector.DetectAsync(
                image,
                queries.Select(q => q.Phrase).ToList(),
                _options.Grounding,
                cancellationToken).ConfigureAwait(false);
            foreach (var detection in detections)
            {
                if (detection.Query is { } query)
                {
                    detectionsPerPhrase[query] = detectionsPerPhrase.GetValueOrDefault(query) + 1;
                }
            }
        }

        var result = new List<IReadOnlyList<AutomaticSentenceSignal>>(samples.Count);
        foreach (var sample in samples)
        {
            var perSentence = new List<AutomaticSentenceSignal>(sample.Sentences.Count);
            foreach (var sentence in sample.Sentences)
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

                perSentence.Add(new AutomaticSentenceSignal(found, missing, countMismatches, unverified));
            }

            result.Add(perSentence);
        }

        return result;
    }
}
