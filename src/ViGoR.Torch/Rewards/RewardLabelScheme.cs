using System.Globalization;

namespace ViGoR.Torch.Rewards;

/// <summary>
/// What the integers a reward model returns mean, and which integer a labelled sentence is trained to
/// produce. The ViGoR paper does not publish its encoding; <see cref="Default"/> is this library's:
/// <list type="table">
/// <item><term>1</term><description>correct (score +1)</description></item>
/// <item><term>-1</term><description>object hallucination (score -1)</description></item>
/// <item><term>-2</term><description>wrong attribute (score -1)</description></item>
/// <item><term>-3</term><description>wrong relationship (score -1)</description></item>
/// <item><term>-4</term><description>wrong location (score -1)</description></item>
/// <item><term>-5</term><description>unreasonable conjecture (score -1)</description></item>
/// </list>
/// Every error kind costs the same penalty (1); the label only names the kind, so that the combiner
/// sees magnitudes that mean severity, not category numbers. A number outside the table (e.g. 0.5 from a
/// model trained on another scheme) is used as the score as it is, with no error kind.
/// </summary>
public sealed class RewardLabelScheme
{
    private readonly Dictionary<int, SentenceJudgement> _judgements;
    private readonly Dictionary<SentenceErrorKind, int> _labels;

    /// <summary>A scheme from label → judgement pairs; each error kind (and None) must have exactly one label to train with.</summary>
    public RewardLabelScheme(IReadOnlyDictionary<int, SentenceJudgement> judgements)
    {
        ArgumentNullException.ThrowIfNull(judgements);
        _judgements = new Dictionary<int, SentenceJudgement>(judgements);
        _labels = [];
        foreach (var (label, judgement) in judgements)
        {
            if (!_labels.TryAdd(judgement.Error, label))
            {
                throw new ArgumentException($"Labels {_labels[judgement.Error]} and {label} both mean {judgement.Error}; give each kind one label.", nameof(judgements));
            }
        }
    }

    /// <summary>This library's scheme (see the type's remarks).</summary>
    public static RewardLabelScheme Default { get; } = new(new Dictionary<int, SentenceJudgement>
    {
        [1] = new(1, SentenceErrorKind.None),
        [-1] = new(-1, SentenceErrorKind.ObjectHallucination),
        [-2] = new(-1, SentenceErrorKind.Attribute),
        [-3] = new(-1, SentenceErrorKind.Relationship),
        [-4] = new(-1, SentenceErrorKind.Location),
        [-5] = new(-1, SentenceErrorKind.UnreasonableConjecture),
    });

    /// <summary>The judgement for a number the model returned.</summary>
    public SentenceJudgement Interpret(double value) =>
        value == Math.Floor(value) && value is >= int.MinValue and <= int.MaxValue && _judgements.TryGetValue((int)value, out var judgement)
            ? judgement
            : new SentenceJudgement(value);

    /// <summary>The number a sentence of <paramref name="kind"/> is trained to produce.</summary>
    /// <exception cref="ArgumentException">The scheme has no label for <paramref name="kind"/>.</exception>
    public string LabelFor(SentenceErrorKind kind) =>
        _labels.TryGetValue(kind, out var label)
            ? label.ToString(CultureInfo.InvariantCulture)
            : throw new ArgumentException($"The label scheme has no label for {kind}.", nameof(kind));
}
