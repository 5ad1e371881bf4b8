using System.Text.Json;

namespace ViGoR;

/// <summary>
/// Agreement of one binary question over the aligned sentences: "has an error" overall, or "has
/// this error kind" per kind.
/// </summary>
/// <param name="Observed">
/// Observed agreement: for two annotators the share of sentences they labelled alike; for three or
/// more, Fleiss' P̄ (the share of agreeing annotator pairs, averaged over sentences).
/// </param>
/// <param name="Kappa">Cohen's (two annotators) or Fleiss' (three or more) kappa; NaN when undefined (everyone always gave the same answer).</param>
public sealed record AgreementFigure(double Observed, double Kappa);

/// <summary>
/// Sentence-level agreement of several annotators over the descriptions they all labelled
/// (<c>vigor annotations agreement</c>). Sentences are compared where every annotator has the
/// same span; the others are counted in <see cref="UnalignedSentences"/>.
/// </summary>
/// <param name="Annotators">How many annotation files were compared.</param>
/// <param name="Measure"><c>cohen</c> for two annotators, <c>fleiss</c> for three or more.</param>
/// <param name="Descriptions">Descriptions every annotator labelled.</param>
/// <param name="Sentences">Sentences every annotator labelled with the same span: the items compared.</param>
/// <param name="UnalignedSentences">Labelled sentences (counted once per annotator) whose span another annotator split or merged differently.</param>
/// <param name="Overall">Agreement on whether a sentence has any error.</param>
/// <param name="ErrorKinds">Agreement on whether a sentence has each error kind (all five, <see cref="SentenceErrorKind.None"/> excluded).</param>
public sealed record AnnotationAgreement(
    int Annotators,
    string Measure,
    int Descriptions,
    int Sentences,
    int UnalignedSentences,
    AgreementFigure Overall,
    IReadOnlyDictionary<SentenceErrorKind, AgreementFigure> ErrorKinds)
{
    /// <summary>Compares the annotations of two or more annotators, one list per annotator.</summary>
    /// <exception cref="ArgumentException">Fewer than two annotators.</exception>
    /// <exception cref="InvalidDataException">Two annotators labelled different texts under one id.</exception>
    /// <exception cref="InvalidOperationException">No sentence was labelled with the same span by everyone, so there is nothing to compare.</exception>
    public static AnnotationAgreement Of(IReadOnlyList<IReadOnlyList<AnnotatedDescription>> annotators)
    {
        ArgumentNullException.ThrowIfNull(annotators);
        if (annotators.Count < 2)
        {
            throw new ArgumentException("Agreement needs at least two annotators.", nameof(annotators));
        }

        var (sentences, descriptions, unaligned) = AnnotationAlignment.Align(annotators);
        if (sentences.Count == 0)
        {
            throw new InvalidOperationException($"The annotators share no sentence: {descriptions} descriptions in common, none with a span every annotator used.");
        }

        AgreementFigure Figure(Func<AnnotatedSentence, bool> question)
        {
            var (observed, kappa) = annotators.Count == 2
                ? Kappa.Cohen([.. sentences.Select(s => (question(s.Labels[0]), question(s.Labels[1])))])
                : Kappa.Fleiss([.. sentences.Select(s =>
                {
                    var yes = s.Labels.Count(question);
                    return (IReadOnlyList<int>)[yes, s.Labels.Count - yes];
                })]);
            return new AgreementFigure(observed, kappa);
        }

        return new AnnotationAgreement(
            annotators.Count,
            annotators.Count == 2 ? "cohen" : "fleiss",
            descriptions,
            sentences.Count,
            unaligned,
            Figure(s => !s.IsCorrect),
            SentenceErrorKindNames.Errors.ToDictionary(k => k.Kind, k => Figure(s => s.Errors.Contains(k.Kind))));
    }

    /// <summary>The agreement as one JSON object with snake_case names; an undefined kappa is null; kinds keyed by their file names.</summary>
    public string ToJson()
    {
        static object Figure(AgreementFigure f) => new { f.Observed, Kappa = double.IsNaN(f.Kappa) ? (double?)null : f.Kappa };
        return JsonSerializer.Serialize(
            new
            {
                Annotators,
                Measure,
                Descriptions,
                Sentences,
                UnalignedSentences,
                Overall = Figure(Overall),
                ErrorKinds = ErrorKinds.ToDictionary(p => SentenceErrorKindNames.ToName(p.Key)!, p => Figure(p.Value)),
            },
            JsonOptions);
    }

    // The journal's snake_case options, but an undefined kappa is written as null rather than left out.
    private static readonly JsonSerializerOptions JsonOptions = new(JournalJson.Options) { DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.Never };
}
