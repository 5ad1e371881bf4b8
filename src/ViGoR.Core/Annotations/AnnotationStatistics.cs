using System.Text.Json;

namespace ViGoR;

/// <summary>
/// What a set of annotations holds: label balance, error kinds, sentences per description,
/// creativity and detail; shows whether the set can train a reward model (Yan et al., Sec. 3.1).
/// </summary>
/// <param name="Descriptions">Annotated descriptions.</param>
/// <param name="Sentences">Annotated sentences, in all.</param>
/// <param name="CorrectSentences">Sentences with no error.</param>
/// <param name="ErroneousSentences">Sentences with at least one error.</param>
/// <param name="ErrorKinds">
/// For each of the five error kinds (never <see cref="SentenceErrorKind.None"/>, always all five),
/// the sentences that have it; a sentence with two kinds counts under both.
/// </param>
/// <param name="MeanSentencesPerDescription">Mean sentences per description; 0 when there are none.</param>
/// <param name="MinSentencesPerDescription">Fewest sentences in a description; 0 when there are none.</param>
/// <param name="MaxSentencesPerDescription">Most sentences in a description; 0 when there are none.</param>
/// <param name="CreativityRate">The fraction of all sentences marked creative; 0 when there are none.</param>
/// <param name="DescriptionsWithError">Descriptions with at least one erroneous sentence.</param>
/// <param name="DetailHistogram">
/// For each detail level 1 to 5 (always all five), the descriptions rated so; descriptions without
/// a detail rating are not counted.
/// </param>
public sealed record AnnotationStatistics(
    int Descriptions,
    int Sentences,
    int CorrectSentences,
    int ErroneousSentences,
    IReadOnlyDictionary<SentenceErrorKind, int> ErrorKinds,
    double MeanSentencesPerDescription,
    int MinSentencesPerDescription,
    int MaxSentencesPerDescription,
    double CreativityRate,
    int DescriptionsWithError,
    IReadOnlyDictionary<int, int> DetailHistogram)
{
    /// <summary>The statistics of <paramref name="descriptions"/>.</summary>
    public static AnnotationStatistics Of(IReadOnlyList<AnnotatedDescription> descriptions)
    {
        ArgumentNullException.ThrowIfNull(descriptions);
        var sentences = descriptions.SelectMany(d => d.Sentences).ToList();
        var counts = descriptions.Select(d => d.Sentences.Count).DefaultIfEmpty(0).ToList();
        var correct = sentences.Count(s => s.IsCorrect);
        return new AnnotationStatistics(
            descriptions.Count,
            sentences.Count,
            correct,
            sentences.Count - correct,
            SentenceErrorKindNames.Errors.ToDictionary(k => k.Kind, k => sentences.Count(s => s.Errors.Contains(k.Kind))),
            descriptions.Count == 0 ? 0 : (double)sentences.Count / descriptions.Count,
            counts.Min(),
            counts.Max(),
            sentences.Count == 0 ? 0 : (double)sentences.Count(s => s.Creative) / sentences.Count,
            descriptions.Count(d => d.HasError),
            Enumerable.Range(1, 5).ToDictionary(level => level, level => descriptions.Count(d => d.Detail == level)));
    }

    /// <summary>
    /// The statistics as one JSON object with snake_case names; error kinds are keyed by their
    /// names in annotations files (<c>conjecture</c>, not <c>unreasonable_conjecture</c>).
    /// </summary>
    public string ToJson() => JsonSerializer.Serialize(
        new
        {
            Descriptions,
            Sentences,
            CorrectSentences,
            ErroneousSentences,
            ErrorKinds = ErrorKinds.ToDictionary(p => SentenceErrorKindNames.ToName(p.Key)!, p => p.Value),
            MeanSentencesPerDescription,
            MinSentencesPerDescription,
            MaxSentencesPerDescription,
            CreativityRate,
            DescriptionsWithError,
            DetailHistogram,
        },
        JournalJson.Options);
}
