using System.Text.Json;
using System.Text.Json.Serialization;

namespace ViGoR.Evaluation;

/// <summary>How many answer-label pairs each pairing rule made.</summary>
public sealed class PopePairingCounts
{
    /// <summary>Paired by question id, with image and question text agreeing.</summary>
    [JsonPropertyName("id")]
    public int ById { get; set; }

    /// <summary>Paired by (image, question text without the answer-format suffix).</summary>
    [JsonPropertyName("text")]
    public int ByText { get; set; }

    /// <summary>Paired by (image, object of POPE's question template); see <see cref="PopeOptions.PairByTemplateObject"/>.</summary>
    [JsonPropertyName("object")]
    public int ByObject { get; set; }

    /// <summary>Paired by line order, each pair's question text checked (POPE-format answers without image or id).</summary>
    [JsonPropertyName("checked_order")]
    public int ByCheckedOrder { get; set; }
}

/// <summary>POPE figures for one split. Fractions are in 0..1; a ratio with a zero denominator is 0.</summary>
public sealed class PopeSplitResult
{
    /// <summary>Answered yes, label yes.</summary>
    [JsonPropertyName("tp")]
    public int TruePositives { get; init; }

    /// <summary>Answered yes, label no.</summary>
    [JsonPropertyName("fp")]
    public int FalsePositives { get; init; }

    /// <summary>Answered no, label no.</summary>
    [JsonPropertyName("tn")]
    public int TrueNegatives { get; init; }

    /// <summary>Answered no, label yes.</summary>
    [JsonPropertyName("fn")]
    public int FalseNegatives { get; init; }

    /// <summary>(TP + TN) / paired answers.</summary>
    [JsonPropertyName("accuracy")]
    public double Accuracy { get; init; }

    /// <summary>TP / (TP + FP).</summary>
    [JsonPropertyName("precision")]
    public double Precision { get; init; }

    /// <summary>TP / (TP + FN).</summary>
    [JsonPropertyName("recall")]
    public double Recall { get; init; }

    /// <summary>Harmonic mean of precision and recall.</summary>
    [JsonPropertyName("f1")]
    public double F1 { get; init; }

    /// <summary>Share of paired answers read as yes.</summary>
    [JsonPropertyName("yes_ratio")]
    public double YesRatio { get; init; }

    /// <summary>Answers of this split that paired with no label.</summary>
    [JsonPropertyName("unmatched_answers")]
    public int UnmatchedAnswers { get; init; }

    /// <summary>Labels of this split that no answer paired with.</summary>
    [JsonPropertyName("unanswered_labels")]
    public int UnansweredLabels { get; init; }

    /// <summary>How many pairs each rule made.</summary>
    [JsonPropertyName("paired_by")]
    public PopePairingCounts PairedBy { get; init; } = new();

    /// <summary>Figures from a confusion matrix.</summary>
    public static PopeSplitResult FromCounts(int tp, int fp, int tn, int fn, int unmatched, int unanswered, PopePairingCounts pairedBy)
    {
        var n = tp + fp + tn + fn;
        var precision = Ratio(tp, tp + fp);
        var recall = Ratio(tp, tp + fn);
        return new PopeSplitResult
        {
            TruePositives = tp,
            FalsePositives = fp,
            TrueNegatives = tn,
            FalseNegatives = fn,
            Accuracy = Ratio(tp + tn, n),
            Precision = precision,
            Recall = recall,
            F1 = precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall),
            YesRatio = Ratio(tp + fp, n),
            UnmatchedAnswers = unmatched,
            UnansweredLabels = unanswered,
            PairedBy = pairedBy,
        };
    }

    private static double Ratio(int a, int b) => b == 0 ? 0 : (double)a / b;
}

/// <summary>An answer that was not scored, and why.</summary>
/// <param name="Source">The answer file.</param>
/// <param name="Line">One-based line.</param>
/// <param name="Split">The split it belongs to, when known.</param>
/// <param name="Reason">Why it was not paired.</param>
public sealed record PopeUnmatchedAnswer(
    [property: JsonPropertyName("source")] string Source,
    [property: JsonPropertyName("line")] int Line,
    [property: JsonPropertyName("split")] string? Split,
    [property: JsonPropertyName("reason")] string Reason);

/// <summary>The result of a POPE evaluation: per split, their average, and what did not pair.</summary>
public sealed class PopeReport
{
    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Per split, in label-file order.</summary>
    [JsonPropertyName("splits")]
    public IReadOnlyDictionary<string, PopeSplitResult> Splits { get; init; } = new Dictionary<string, PopeSplitResult>();

    /// <summary>
    /// The mean of each fraction over the splits (as papers report POPE); counts are totals over the
    /// splits. Null when no split was scored.
    /// </summary>
    [JsonPropertyName("average")]
    public PopeSplitResult? Average { get; init; }

    /// <summary>Answers that belong to no loaded split (question id unknown, split without a label file).</summary>
    [JsonPropertyName("unassigned_answers")]
    public int UnassignedAnswers { get; init; }

    /// <summary>Every answer that was not scored, with file, line and reason.</summary>
    [JsonPropertyName("unmatched_details")]
    public IReadOnlyList<PopeUnmatchedAnswer> UnmatchedDetails { get; init; } = [];

    /// <summary>The report as indented JSON in the shape documented for scripts.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);
}
