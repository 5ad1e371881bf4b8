using System.Globalization;

namespace ViGoR.Torch.Rewards;

/// <summary>
/// What the numbers a reward model returns mean, and which number a labelled sentence is trained to
/// produce. The ViGoR paper (Yan et al.) publishes no encoding; this library has two.
/// <para>
/// <see cref="Categorical"/>, for reward models trained with this library: every label is one digit, so
/// the first reply token decides (<see cref="RewardScoring.FirstToken"/>).
/// </para>
/// <list type="table">
/// <item><term>1</term><description>correct (score +1)</description></item>
/// <item><term>2</term><description>correct and creative (score +2: creativity is the positive signal that breaks ties)</description></item>
/// <item><term>3</term><description>object hallucination (score -1)</description></item>
/// <item><term>4</term><description>wrong attribute (score -1)</description></item>
/// <item><term>5</term><description>wrong relationship (score -1)</description></item>
/// <item><term>6</term><description>wrong location (score -1)</description></item>
/// <item><term>7</term><description>unreasonable conjecture (score -1)</description></item>
/// </list>
/// <para>
/// <see cref="Default"/>, the legacy sign scheme (kept for checkpoints trained on it): 1 correct (+1);
/// -1 object hallucination, -2 attribute, -3 relationship, -4 location, -5 conjecture (each -1). Its
/// negative labels share their first token (the minus sign), so it is read by decoding.
/// </para>
/// Every error kind costs the same penalty (1); the label only names the kind, so that the combiner
/// sees magnitudes that mean severity, not category numbers. A number outside the scheme (e.g. 0.5 from a
/// model trained on another scheme) is used as the score as it is, with no error kind. A holistic model
/// (one judgement per description) uses the same labels: see <see cref="LabelForDescription"/>.
/// </summary>
public sealed class RewardLabelScheme
{
    private readonly List<(string Label, SentenceJudgement Judgement, bool Creative)> _entries;
    private readonly Dictionary<double, SentenceJudgement> _byValue = [];
    private readonly Dictionary<SentenceErrorKind, string> _labels = [];
    private readonly string? _creativeLabel;

    /// <summary>A scheme from label → judgement pairs; each error kind (and None) must have exactly one label to train with.</summary>
    public RewardLabelScheme(IReadOnlyDictionary<int, SentenceJudgement> judgements)
        : this((judgements ?? throw new ArgumentNullException(nameof(judgements))).Select(kv => (kv.Key.ToString(CultureInfo.InvariantCulture), kv.Value, false)))
    {
    }

    /// <summary>
    /// A scheme from labels in order. Each label is a plain number (what the model is trained to reply);
    /// each error kind (and None) has at most one non-creative label, and at most one label is
    /// <c>Creative</c> (which must be a correct judgement).
    /// </summary>
    /// <exception cref="ArgumentException">A label is not a number, is repeated, or two labels mean the same.</exception>
    public RewardLabelScheme(IEnumerable<(string Label, SentenceJudgement Judgement, bool Creative)> labels)
    {
        ArgumentNullException.ThrowIfNull(labels);
        _entries = labels.ToList();
        foreach (var (label, judgement, creative) in _entries)
        {
            ArgumentNullException.ThrowIfNull(judgement, nameof(labels));
            if (label is null || LlavaSentenceRewardModel.ParseReply(label) is not { } value || label != label.Trim())
            {
                throw new ArgumentException($"Label '{label}' is not a plain number: the reward model replies with a single number.", nameof(labels));
            }

            if (!_byValue.TryAdd(value, judgement))
            {
                throw new ArgumentException($"Label '{label}' appears twice.", nameof(labels));
            }

            if (creative)
            {
                if (judgement.Error != SentenceErrorKind.None)
                {
                    throw new ArgumentException($"Label '{label}' is creative but means {judgement.Error}: only a correct sentence can be creative.", nameof(labels));
                }

                if (_creativeLabel is not null)
                {
                    throw new ArgumentException($"Labels {_creativeLabel} and {label} are both creative; give creativity one label.", nameof(labels));
                }

                _creativeLabel = label;
            }
            else if (!_labels.TryAdd(judgement.Error, label))
            {
                throw new ArgumentException($"Labels {_labels[judgement.Error]} and {label} both mean {judgement.Error}; give each kind one label.", nameof(labels));
            }
        }

        if (_entries.Count == 0)
        {
            throw new ArgumentException("A label scheme needs at least one label.", nameof(labels));
        }
    }

    /// <summary>The legacy sign scheme (see the type's remarks).</summary>
    public static RewardLabelScheme Default { get; } = new(new Dictionary<int, SentenceJudgement>
    {
        [1] = new(1, SentenceErrorKind.None),
        [-1] = new(-1, SentenceErrorKind.ObjectHallucination),
        [-2] = new(-1, SentenceErrorKind.Attribute),
        [-3] = new(-1, SentenceErrorKind.Relationship),
        [-4] = new(-1, SentenceErrorKind.Location),
        [-5] = new(-1, SentenceErrorKind.UnreasonableConjecture),
    });

    /// <summary>
    /// This library's scheme for trained reward models, one digit per label (see the type's remarks):
    /// 1 correct (+1), 2 correct and creative (+2), 3 object hallucination, 4 attribute, 5 relationship,
    /// 6 location, 7 conjecture (each -1).
    /// </summary>
    public static RewardLabelScheme Categorical { get; } = new(
    [
        ("1", new SentenceJudgement(1), false),
        ("2", new SentenceJudgement(2), true),
        ("3", new SentenceJudgement(-1, SentenceErrorKind.ObjectHallucination), false),
        ("4", new SentenceJudgement(-1, SentenceErrorKind.Attribute), false),
        ("5", new SentenceJudgement(-1, SentenceErrorKind.Relationship), false),
        ("6", new SentenceJudgement(-1, SentenceErrorKind.Location), false),
        ("7", new SentenceJudgement(-1, SentenceErrorKind.UnreasonableConjecture), false),
    ]);

    /// <summary>Every label with its judgement and whether it is the "correct and creative" label, in the scheme's order.</summary>
    public IReadOnlyList<(string Label, SentenceJudgement Judgement, bool Creative)> Labels => _entries;

    /// <summary>The judgement for a number the model returned.</summary>
    public SentenceJudgement Interpret(double value) =>
        _byValue.TryGetValue(value, out var judgement) ? judgement : new SentenceJudgement(value);

    /// <summary>
    /// The label a sentence of <paramref name="kind"/> is trained to produce. A correct sentence marked
    /// <paramref name="creative"/> gets the scheme's creative label when it has one, else the correct
    /// label; errors ignore <paramref name="creative"/>.
    /// </summary>
    /// <exception cref="ArgumentException">The scheme has no label for <paramref name="kind"/>.</exception>
    public string LabelFor(SentenceErrorKind kind, bool creative = false) =>
        creative && kind == SentenceErrorKind.None && _creativeLabel is not null ? _creativeLabel
        : _labels.TryGetValue(kind, out var label) ? label
        : throw new ArgumentException($"The label scheme has no label for {kind}.", nameof(kind));

    /// <summary>
    /// The label a holistic reward model is trained to produce for a whole description: the correct label
    /// (creative when <paramref name="creative"/>) when every sentence is correct, else the label of the
    /// first wrong sentence's kind (e.g. "3" in <see cref="Categorical"/> when it is an object hallucination).
    /// </summary>
    public string LabelForDescription(IEnumerable<SentenceErrorKind> sentences, bool creative = false)
    {
        ArgumentNullException.ThrowIfNull(sentences);
        var firstError = sentences.FirstOrDefault(k => k != SentenceErrorKind.None);
        return LabelFor(firstError, creative && firstError == SentenceErrorKind.None);
    }
}
