using System.Text.RegularExpressions;

namespace ViGoR.ShapesWorld;

/// <summary>
/// Object mentions in a set of descriptions against ground truth, counted so that sets can be pooled
/// (over seeds, say) by adding counts: CHAIRi and object recall over unique categories per description.
/// </summary>
/// <param name="Descriptions">How many descriptions were counted.</param>
/// <param name="Mentioned">Categories mentioned, each once per description.</param>
/// <param name="Hallucinated">Of those, the ones not in the description's scene.</param>
/// <param name="Present">Categories present in the scenes, counted once per description (a scene described twice counts twice).</param>
/// <param name="Recalled">Present categories the descriptions mentioned.</param>
public sealed record ObjectCounts(int Descriptions, int Mentioned, int Hallucinated, int Present, int Recalled)
{
    /// <summary>Hallucinated / mentioned; 0 when nothing was mentioned.</summary>
    public double ChairI => Hallucinated / (double)Math.Max(Mentioned, 1);

    /// <summary>Recalled / present; 0 when nothing was present.</summary>
    public double Recall => Recalled / (double)Math.Max(Present, 1);
}

/// <summary>
/// Where a configuration's supervision stands against ShapesWorld's ground truth, stage by stage: all k
/// samples, the ground-truth best of k (what a perfect selection could have picked), the chosen samples,
/// the refined targets; how often selection picked the shortest sample; how many images kept no target;
/// and how well the reward model's scores rank the sentences it judged. Read beside the fine-tuned model's
/// own CHAIRi, it says whether selection, refinement or fine-tuning is the weak link.
/// </summary>
/// <remarks>
/// Mentions are the ShapesWorld category words, singular and plural, matched as whole words in the
/// lower-cased text, each category once per description; "orange" followed by another category word is
/// its colour, not the fruit (<see cref="Mentions"/>). This is the rule of the independent plain-Python
/// check these figures were verified against, so that both give the same figures on the same journals.
/// </remarks>
public sealed record SupervisionDiagnostics
{
    private static readonly Dictionary<string, string> CategoryOfWord = ShapesWorldKinds.All
        .SelectMany(k => new[] { (k.Word, k.Category), (k.Plural, k.Category) })
        .ToDictionary(p => p.Item1, p => p.Item2, StringComparer.Ordinal);

    // Longest words first, so that "stop signs" is one mention, not "stop sign" and a stray "s".
    private static readonly string Alternation = string.Join("|", CategoryOfWord.Keys.OrderByDescending(w => w.Length).Select(Regex.Escape));

    private static readonly Regex Word = new($@"\b({Alternation})\b", RegexOptions.CultureInvariant);

    private static readonly Regex NextWord = new($@"\G\s+({Alternation})\b", RegexOptions.CultureInvariant);

    /// <summary>Images with at least one sample (a record without samples took no part in selection).</summary>
    public required int Images { get; init; }

    /// <summary>Of <see cref="Images"/>, those whose record has no target (refinement dropped every sentence, or the image failed).</summary>
    public required int ImagesWithoutTarget { get; init; }

    /// <summary>All k samples of every image.</summary>
    public required ObjectCounts Samples { get; init; }

    /// <summary>Per image, the sample with the fewest hallucinated categories, then the most present ones (the first on a tie): what selection could have picked had it known the ground truth.</summary>
    public required ObjectCounts BestOfK { get; init; }

    /// <summary>The chosen sample of every image that has one.</summary>
    public required ObjectCounts Chosen { get; init; }

    /// <summary>The refined targets (what fine-tuning learns from).</summary>
    public required ObjectCounts Targets { get; init; }

    /// <summary>Images with a chosen sample.</summary>
    public required int ChosenImages { get; init; }

    /// <summary>Of <see cref="ChosenImages"/>, those whose chosen sample has no more sentences than any of its image's samples (an empty sample has none): a selection that favours short samples shows here.</summary>
    public required int ChosenShortest { get; init; }

    /// <summary>
    /// The ROC AUC of the reward-model stream's error-ness (its score, negated) against the truth that
    /// <see cref="SimulatedAnnotator.Judge"/> (without noise) finds an error: over every sentence it judged,
    /// or, holistic, over every sample it judged (wrong when any sentence is). Null when the journal has no
    /// reward-model signal, or when the judged units are all right or all wrong.
    /// </summary>
    public double? RewardModelRocAuc { get; init; }

    /// <summary>How many units (sentences, or samples when holistic) the reward model judged.</summary>
    public int RewardModelJudged { get; init; }

    /// <summary>
    /// Computes the diagnostics of <paramref name="records"/> (one journal, or several pooled, e.g. every
    /// seed's of one configuration) against the <paramref name="scenes"/> they describe.
    /// </summary>
    /// <param name="records">Supervision journal records; each record's <see cref="SupervisionRecord.ImageId"/> is a scene's <see cref="Scene.FileName"/>.</param>
    /// <param name="scenes">The ground truth (at least every scene the records name).</param>
    /// <param name="granularity">How the reward-model stream judged (the journal header's <c>reward_model.granularity</c>): fine-grained per sentence, or holistic per sample, its judgement kept on the first sentence.</param>
    /// <exception cref="KeyNotFoundException">A record names an image none of <paramref name="scenes"/> has.</exception>
    public static SupervisionDiagnostics Compute(IEnumerable<SupervisionRecord> records, IEnumerable<Scene> scenes, RewardGranularity granularity = RewardGranularity.FineGrained)
    {
        ArgumentNullException.ThrowIfNull(records);
        ArgumentNullException.ThrowIfNull(scenes);
        var byFile = scenes.ToDictionary(s => s.FileName, StringComparer.Ordinal);
        Counter samples = new(), bestOfK = new(), chosen = new(), targets = new();
        int images = 0, withoutTarget = 0, chosenImages = 0, chosenShortest = 0;
        var errorness = new List<double>();
        var wrong = new List<bool>();
        foreach (var record in records)
        {
            if (record.Samples.Count == 0)
            {
                continue;
            }

            var scene = byFile.TryGetValue(record.ImageId, out var s) ? s : throw new KeyNotFoundException($"Image '{record.ImageId}' of the journal is none of the {byFile.Count} scenes given.");
            var present = scene.Categories.ToHashSet(StringComparer.Ordinal);
            images++;
            var mentions = record.Samples.Select(sample => Mentions(sample.Text)).ToList();
            foreach (var m in mentions)
            {
                samples.Add(m, present);
            }

            var best = Enumerable.Range(0, mentions.Count)
                .MinBy(i => (mentions[i].Count(c => !present.Contains(c)), -mentions[i].Count(present.Contains)));
            bestOfK.Add(mentions[best], present);
            if (record.Chosen is { } index)
            {
                chosen.Add(mentions[index], present);
                chosenImages++;
                chosenShortest += record.Samples[index].Sentences.Count == record.Samples.Min(x => x.Sentences.Count) ? 1 : 0;
            }

            if (string.IsNullOrEmpty(record.Target))
            {
                withoutTarget++;
            }
            else
            {
                targets.Add(Mentions(record.Target), present);
            }

            foreach (var sample in record.Samples)
            {
                AddJudgements(sample, scene, granularity, errorness, wrong);
            }
        }

        return new SupervisionDiagnostics
        {
            Images = images,
            ImagesWithoutTarget = withoutTarget,
            Samples = samples.Counts,
            BestOfK = bestOfK.Counts,
            Chosen = chosen.Counts,
            Targets = targets.Counts,
            ChosenImages = chosenImages,
            ChosenShortest = chosenShortest,
            RewardModelRocAuc = RocAuc.Of(errorness, wrong),
            RewardModelJudged = errorness.Count,
        };
    }

    /// <summary>
    /// The ShapesWorld categories <paramref name="text"/> mentions: each kind's word or plural as a whole
    /// word, case-insensitively; "orange" directly followed by another category word is a colour and not
    /// counted.
    /// </summary>
    public static IReadOnlySet<string> Mentions(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var lower = text.ToLowerInvariant();
        var categories = new HashSet<string>(StringComparer.Ordinal);
        foreach (Match m in Word.Matches(lower))
        {
            var word = m.Groups[1].Value;
            if (word == "orange" && NextWord.IsMatch(lower, m.Index + m.Length))
            {
                continue;
            }

            categories.Add(CategoryOfWord[word]);
        }

        return categories;
    }

    private static void AddJudgements(SampleRecord sample, Scene scene, RewardGranularity granularity, List<double> errorness, List<bool> wrong)
    {
        var judged = sample.Sentences
            .Select(sentence => (Sentence: sentence, Signal: sentence.Signals.GetValueOrDefault(RewardStreams.RewardModel)))
            .Where(x => x.Signal is not null)
            .ToList();
        if (judged.Count == 0)
        {
            return;
        }

        // The error-ness is the negated score (the expected score of the reply, where the model reports
        // one); a stream that recorded only totals gives bonus - penalty, which is the same number.
        static double Errorness(SentenceSignal signal) => -(RewardModelEvidence.From(signal)?.Score ?? (signal.Bonus - signal.Penalty));
        if (granularity == RewardGranularity.Holistic)
        {
            errorness.Add(Errorness(judged[0].Signal!));
            wrong.Add(sample.Sentences.Any(x => SimulatedAnnotator.Judge(x.Text, scene) != SentenceErrorKind.None));
            return;
        }

        foreach (var (sentence, signal) in judged)
        {
            errorness.Add(Errorness(signal!));
            wrong.Add(SimulatedAnnotator.Judge(sentence.Text, scene) != SentenceErrorKind.None);
        }
    }

    private sealed class Counter
    {
        private int _descriptions, _mentioned, _hallucinated, _present, _recalled;

        public ObjectCounts Counts => new(_descriptions, _mentioned, _hallucinated, _present, _recalled);

        public void Add(IReadOnlySet<string> mentioned, HashSet<string> present)
        {
            _descriptions++;
            _mentioned += mentioned.Count;
            _hallucinated += mentioned.Count(c => !present.Contains(c));
            _present += present.Count;
            _recalled += mentioned.Count(present.Contains);
        }
    }
}
