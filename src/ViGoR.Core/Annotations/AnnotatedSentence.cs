namespace ViGoR;

/// <summary>
/// One sentence of an annotated description, as the annotator marked it: a character span of the
/// description and the errors found in it (Yan et al., Sec. 3.1).
/// </summary>
/// <param name="Start">Offset of the sentence's first character in the description (inclusive, UTF-16 code units).</param>
/// <param name="End">Offset one past its last character (exclusive).</param>
/// <param name="Errors">
/// The error kinds the annotator found, each at most once; empty when the sentence is correct.
/// Never contains <see cref="SentenceErrorKind.None"/>.
/// </param>
/// <param name="Creative">The annotator marked the sentence as creative (a reasonable inference beyond what is visible).</param>
public sealed record AnnotatedSentence(int Start, int End, IReadOnlyList<SentenceErrorKind> Errors, bool Creative)
{
    /// <summary>True when the annotator found no error in the sentence.</summary>
    public bool IsCorrect => Errors.Count == 0;

    /// <summary>
    /// The one kind a reward model is trained and measured on for this sentence: its first annotated
    /// error, or <see cref="SentenceErrorKind.None"/> when it is correct.
    /// </summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public SentenceErrorKind Label => Errors.Count > 0 ? Errors[0] : SentenceErrorKind.None;
}
