using System.Text.Json.Serialization;

namespace ViGoR.Evaluation;

/// <summary>One held-out item (a sentence, or a description for a holistic model): the label and the model's verdict.</summary>
/// <param name="Truth">The annotated kind (<see cref="SentenceErrorKind.None"/> = correct; the first of several errors).</param>
/// <param name="Predicted">The kind the model named.</param>
/// <param name="ErrorProbability">The model's P(error) in [0, 1]; ranks items for ROC AUC. When a model reports none, use 1 for a predicted error and 0 otherwise.</param>
public readonly record struct RewardModelPrediction(SentenceErrorKind Truth, SentenceErrorKind Predicted, double ErrorProbability)
{
    /// <summary>True when the item is annotated wrong.</summary>
    public bool IsError => Truth != SentenceErrorKind.None;

    /// <summary>True when the model judged it wrong.</summary>
    public bool PredictedError => Predicted != SentenceErrorKind.None;
}

/// <summary>Detection figures of one annotated error kind.</summary>
/// <param name="Count">Held-out items annotated with this kind.</param>
/// <param name="Recall">Share of them the model judged wrong (any kind).</param>
/// <param name="KindAccuracy">Share of them the model gave exactly this kind.</param>
/// <param name="RocAuc">
/// ROC AUC of P(error) for this kind's items against every correct item (0.5 = chance; null when no
/// item is correct): how well the model ranks this kind of error, apart from the others.
/// </param>
public sealed record ErrorKindMetrics(int Count, double Recall, double KindAccuracy, double? RocAuc = null);

/// <summary>
/// Held-out figures of a reward model (written to <c>metrics.json</c> by <c>vigor train-reward</c>):
/// correct-vs-error accuracy, precision, recall and F1 of the error class, ROC AUC of
/// <see cref="RewardModelPrediction.ErrorProbability"/> (0.5 = chance), and per-kind figures.
/// </summary>
public sealed record RewardModelMetrics
{
    /// <summary>Held-out items (sentences, or descriptions for a holistic model).</summary>
    public int Sentences { get; init; }

    /// <summary>Held-out items annotated wrong.</summary>
    public int Errors { get; init; }

    /// <summary>Share of items whose correct/error verdict matches the annotation.</summary>
    public double Accuracy { get; init; }

    /// <summary>Of the items judged wrong, the share annotated wrong (1 when none was judged wrong: no false alarm).</summary>
    public double ErrorPrecision { get; init; }

    /// <summary>Of the items annotated wrong, the share judged wrong (1 when none is annotated wrong).</summary>
    public double ErrorRecall { get; init; }

    /// <summary>The harmonic mean of <see cref="ErrorPrecision"/> and <see cref="ErrorRecall"/>.</summary>
    [JsonPropertyName("error_f1")]
    public double ErrorF1 { get; init; }

    /// <summary>
    /// The probability that a random erroneous item gets a higher P(error) than a random correct one
    /// (ties count half): the Mann-Whitney form of the ROC AUC. Null when either class is absent.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public double? RocAuc { get; init; }

    /// <summary>Figures per annotated error kind (snake_case kind names).</summary>
    public IReadOnlyDictionary<string, ErrorKindMetrics> PerKind { get; init; } = new SortedDictionary<string, ErrorKindMetrics>(StringComparer.Ordinal);

    /// <summary>Computes the figures.</summary>
    /// <exception cref="ArgumentException">No predictions, or a probability outside [0, 1].</exception>
    public static RewardModelMetrics Compute(IReadOnlyList<RewardModelPrediction> predictions)
    {
        ArgumentNullException.ThrowIfNull(predictions);
        if (predictions.Count == 0)
        {
            throw new ArgumentException("No held-out predictions to measure.", nameof(predictions));
        }

        if (predictions.Any(p => !(p.ErrorProbability is >= 0 and <= 1)))
        {
            throw new ArgumentException("Every ErrorProbability must be in [0, 1].", nameof(predictions));
        }

        int truePositives = predictions.Count(p => p.IsError && p.PredictedError);
        int falsePositives = predictions.Count(p => !p.IsError && p.PredictedError);
        int falseNegatives = predictions.Count(p => p.IsError && !p.PredictedError);
        int agree = predictions.Count(p => p.IsError == p.PredictedError);
        double precision = truePositives + falsePositives == 0 ? 1 : (double)truePositives / (truePositives + falsePositives);
        double recall = truePositives + falseNegatives == 0 ? 1 : (double)truePositives / (truePositives + falseNegatives);
        var perKind = new SortedDictionary<string, ErrorKindMetrics>(StringComparer.Ordinal);
        var correct = predictions.Where(p => !p.IsError).ToList();
        foreach (var group in predictions.Where(p => p.IsError).GroupBy(p => p.Truth))
        {
            var items = group.ToList();
            perKind[KindName(group.Key)] = new ErrorKindMetrics(items.Count, (double)items.Count(p => p.PredictedError) / items.Count, (double)items.Count(p => p.Predicted == p.Truth) / items.Count, RocAucOf([.. items, .. correct]));
        }

        return new RewardModelMetrics
        {
            Sentences = predictions.Count,
            Errors = predictions.Count(p => p.IsError),
            Accuracy = (double)agree / predictions.Count,
            ErrorPrecision = precision,
            ErrorRecall = recall,
            ErrorF1 = precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall),
            RocAuc = RocAucOf(predictions),
            PerKind = perKind,
        };
    }

    /// <summary>The snake_case name of a kind, as annotation and judgement files spell it (<c>correct</c> for <see cref="SentenceErrorKind.None"/>).</summary>
    public static string KindName(SentenceErrorKind kind) => SentenceErrorKindNames.ToName(kind) ?? "correct";

    private static double? RocAucOf(IReadOnlyList<RewardModelPrediction> predictions) =>
        ViGoR.RocAuc.Of(predictions.Select(p => p.ErrorProbability).ToList(), predictions.Select(p => p.IsError).ToList());
}
