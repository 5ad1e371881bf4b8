using System.Globalization;
using System.Text.Json;

namespace ViGoR;

/// <summary>Settings of the <see cref="VqaSelfCheckStream"/>.</summary>
public sealed class VqaSelfCheckOptions
{
    /// <summary>The question asked per object, with <c>{0}</c> for its lemma (default "Is there a {0} in the image?", POPE's wording).</summary>
    public string QuestionTemplate { get; set; } = "Is there a {0} in the image?";

    /// <summary>An object whose P(yes) is below this is answered "no" (default 0.5).</summary>
    public double YesThreshold { get; set; } = 0.5;

    /// <summary>
    /// Drop sentences naming an object answered "no" in refinement (default false: the check
    /// only ranks samples, since the LVLM checks its own claims and shares their blind spots).
    /// </summary>
    public bool DropOnNo { get; set; }

    /// <summary>A copy, so that a stream never shares its settings with its caller.</summary>
    public VqaSelfCheckOptions Clone() => (VqaSelfCheckOptions)MemberwiseClone();
}

/// <summary>
/// A VQA self-check (the second check Woodpecker's maintainers suggest against detector false
/// alarms): for each object a sample asserts, ask the LVLM "Is there a {noun} in the image?" in
/// one pass per image, and penalise every sentence by the objects it answers "no" to. Each
/// sentence's evidence is the P(yes) of each of its objects, journalled under <c>answers</c>, and the
/// question asked about each, under <c>questions</c>.
/// </summary>
/// <remarks>
/// Penalty: the number of the sentence's asserted objects answered "no"; bonus: those answered
/// "yes"; a sentence without asserted objects has no signal. Negated and hedged mentions and
/// stuff ("sky") are not asked about, as with the automatic stream. Thread safety is the answerer's.
/// </remarks>
public sealed class VqaSelfCheckStream : IRewardStream
{
    /// <summary>The stream's name in journals and weights.</summary>
    public const string StreamName = "vqa";

    private readonly IVisualQuestionAnswerer _answerer;
    private readonly VqaSelfCheckOptions _options;

    /// <summary>Creates the stream over <paramref name="answerer"/>.</summary>
    /// <exception cref="ArgumentException">The template has no <c>{0}</c>, or the threshold is outside [0, 1].</exception>
    public VqaSelfCheckStream(IVisualQuestionAnswerer answerer, VqaSelfCheckOptions? options = null)
    {
        _answerer = answerer ?? throw new ArgumentNullException(nameof(answerer));
        var given = options ?? new VqaSelfCheckOptions();
        if (!given.QuestionTemplate.Contains("{0}", StringComparison.Ordinal))
        {
            throw new ArgumentException($"The question template must hold {{0}} for the object; got '{given.QuestionTemplate}'.", nameof(options));
        }

        if (given.YesThreshold is < 0 or > 1 || double.IsNaN(given.YesThreshold))
        {
            throw new ArgumentException($"YesThreshold must be in [0, 1]; got {given.YesThreshold}.", nameof(options));
        }

        _options = given.Clone();
        Settings = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["answerer"] = ComponentIdentity.Of(answerer),
            ["question"] = _options.QuestionTemplate,
            ["yes_threshold"] = _options.YesThreshold.ToString("R", CultureInfo.InvariantCulture),
            ["drop_on_no"] = _options.DropOnNo ? "true" : "false",
        };
    }

    /// <inheritdoc />
    public string Name => StreamName;

    /// <inheritdoc />
    public IReadOnlyDictionary<string, string> Settings { get; }

    /// <inheritdoc />
    public async Task<IReadOnlyList<StreamScore>> ScoreAsync(RewardStreamInput input, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(input);

        // Every object of the k samples in one call: the image is encoded once.
        var objects = input.Samples.SelectMany(s => Asserted(s.Sentences.SelectMany(x => x.Nouns))).Distinct(StringComparer.Ordinal).ToList();
        var questions = objects.Select(o => string.Format(CultureInfo.InvariantCulture, _options.QuestionTemplate, o)).ToList();
        var answers = objects.Count == 0 ? [] : await _answerer.ProbabilityOfYesAsync(input.Image, questions, cancellationToken).ConfigureAwait(false);
        if (answers.Count != objects.Count)
        {
            throw new InvalidOperationException($"The answerer returned {answers.Count} answers for {objects.Count} questions about image '{input.Image.Id}'.");
        }

        var yes = objects.Select((o, i) => (o, p: answers[i])).ToDictionary(x => x.o, x => x.p, StringComparer.Ordinal);
        var asked = objects.Select((o, i) => (o, q: questions[i])).ToDictionary(x => x.o, x => x.q, StringComparer.Ordinal);
        return input.Samples.Select(sample => StreamScore.Sum(sample.Sentences.Select(s => Judge(s, yes, asked)).ToList())).ToList();
    }

    private SentenceSignal? Judge(ParsedSentence sentence, Dictionary<string, double> yes, Dictionary<string, string> questions)
    {
        var asked = Asserted(sentence.Nouns).Distinct(StringComparer.Ordinal).ToList();
        if (asked.Count == 0)
        {
            return null;
        }

        var no = asked.Where(o => yes[o] < _options.YesThreshold).ToList();
        return new SentenceSignal
        {
            Penalty = no.Count,
            Bonus = asked.Count - no.Count,
            Drop = _options.DropOnNo && no.Count > 0 ? no : null,
            Evidence = new Dictionary<string, JsonElement>(StringComparer.Ordinal)
            {
                ["answers"] = JsonSerializer.SerializeToElement(asked.ToDictionary(o => o, o => yes[o], StringComparer.Ordinal)),
                ["questions"] = JsonSerializer.SerializeToElement(asked.ToDictionary(o => o, o => questions[o], StringComparer.Ordinal)),
            },
        };
    }

    private static IEnumerable<string> Asserted(IEnumerable<NounMention> nouns) =>
        nouns.Where(n => n.Kind == NounKind.Thing && n.IsAsserted).Select(n => n.Lemma);
}
