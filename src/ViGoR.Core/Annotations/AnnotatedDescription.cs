namespace ViGoR;

/// <summary>
/// One described image with its per-sentence human labels: one line of an annotations file
/// (docs/annotations.md), the input of reward-model training.
/// </summary>
/// <param name="Id">Unique within its file.</param>
/// <param name="Image">The image's path, relative to the images folder.</param>
/// <param name="Prompt">The prompt the description answers.</param>
/// <param name="Description">The annotated text.</param>
/// <param name="Sentences">
/// The annotator's sentences in order, their spans inside <paramref name="Description"/> and not
/// overlapping (<see cref="Annotations"/> checks this when reading).
/// </param>
/// <param name="Detail">The annotator's level of detail, 1 (terse) to 5 (thorough), when given.</param>
/// <param name="Missing">Objects or facts the annotator found missing from the description, when given.</param>
public sealed record AnnotatedDescription(
    string Id,
    string Image,
    string Prompt,
    string Description,
    IReadOnlyList<AnnotatedSentence> Sentences,
    int? Detail = null,
    IReadOnlyList<string>? Missing = null)
{
    /// <summary>
    /// The line's revision: 0 for a first labelling; a later line of the same id with a greater
    /// revision replaces it (last write wins; docs/annotations.md, "Revisions").
    /// </summary>
    public int Revision { get; init; }

    /// <summary>True when at least one sentence has an error.</summary>
    public bool HasError => Sentences.Any(s => !s.IsCorrect);

    /// <summary>The text of sentence <paramref name="index"/>: <c>Description[Start..End]</c>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is not a sentence's index.</exception>
    public string SentenceText(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Sentences.Count);
        var sentence = Sentences[index];
        return Description[sentence.Start..sentence.End];
    }

    /// <summary>
    /// The description as a <see cref="ParsedText"/> whose sentences are the annotator's spans,
    /// verbatim (never re-split), so that a reward model scores exactly the labelled sentences.
    /// The sentences carry no noun mentions; the text between them is not checked.
    /// </summary>
    public ParsedText ToParsedText() =>
        new(Description, [.. Sentences.Select((s, i) => new ParsedSentence(i, s.Start, s.End, Description[s.Start..s.End], []))]);
}
