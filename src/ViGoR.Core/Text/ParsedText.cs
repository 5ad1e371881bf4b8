namespace ViGoR;

/// <summary>Whether a noun names a countable object or being, or an amorphous region.</summary>
public enum NounKind
{
    /// <summary>A countable, visible object or being (dog, car, person, cup): checked by the detector.</summary>
    Thing,

    /// <summary>An amorphous region or material (sky, grass, water, road): not counted.</summary>
    Stuff,
}

/// <summary>
/// One noun mention in a text. Character offsets are into the whole text (not the sentence),
/// <see cref="Start"/> inclusive and <see cref="End"/> exclusive, in UTF-16 code units.
/// </summary>
/// <param name="Text">The surface text of the mention (e.g. "fire hydrants").</param>
/// <param name="Lemma">The singular, lower-case lemma (e.g. "fire hydrant"); the detector is asked about this.</param>
/// <param name="Kind">Thing or stuff.</param>
/// <param name="Count">The stated count ("three zebras" = 3, "a dog" = 1), or null when unstated or vague ("several").</param>
/// <param name="Negated">Stated as absent ("there are no people", "without a helmet"): never penalised.</param>
/// <param name="Hedged">Stated with uncertainty ("possibly a tourist", "might be a bus"): never penalised.</param>
/// <param name="Start">Offset of the first character.</param>
/// <param name="End">Offset one past the last character.</param>
public sealed record NounMention(string Text, string Lemma, NounKind Kind, int? Count, bool Negated, bool Hedged, int Start, int End)
{
    /// <summary>True when the text asserts the object exists (neither negated nor hedged).</summary>
    public bool IsAsserted => !Negated && !Hedged;
}

/// <summary>One sentence with its span in the whole text and its noun mentions.</summary>
/// <param name="Index">Zero-based position in the text.</param>
/// <param name="Start">Offset of the first character (inclusive).</param>
/// <param name="End">Offset one past the last character (exclusive).</param>
/// <param name="Text">The sentence text, equal to <c>whole[Start..End]</c>.</param>
/// <param name="Nouns">Visual noun mentions in order of appearance.</param>
public sealed record ParsedSentence(int Index, int Start, int End, string Text, IReadOnlyList<NounMention> Nouns);

/// <summary>A text split into sentences, each with its noun mentions.</summary>
/// <param name="Text">The original text, unchanged.</param>
/// <param name="Sentences">Sentences in order; the gaps between them are white space only.</param>
public sealed record ParsedText(string Text, IReadOnlyList<ParsedSentence> Sentences)
{
    /// <summary>All mentions of all sentences in order.</summary>
    public IEnumerable<NounMention> Nouns => Sentences.SelectMany(s => s.Nouns);
}
