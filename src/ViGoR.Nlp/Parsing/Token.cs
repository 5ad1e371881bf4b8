namespace ViGoR.Nlp;

/// <summary>The part of speech the parser settles on for a token.</summary>
internal enum Tag : byte
{
    Other,
    Determiner,
    Quantifier,
    Number,
    Pronoun,
    Existential,
    Preposition,
    Conjunction,
    Subordinator,
    Be,
    Have,
    Do,
    Modal,
    To,
    Negation,
    Possessive,
    Adverb,
    Noun,
    Verb,
    Adjective,
    Punctuation,
    ProperNoun,
}

/// <summary>Inflection of a verb reading.</summary>
internal enum VerbForm : byte
{
    None,
    Base,
    ThirdSingular,
    Past,
    Gerund,
}

/// <summary>One token of a sentence; offsets are into the whole text. Mutable so that token buffers can be reused.</summary>
internal struct Token
{
    public int Start;
    public int End;
    /// <summary>The closed class of the word (<see cref="Tag.Other"/> for open-class words), before context settles <see cref="Tag"/>.</summary>
    public Tag Class;
    public Tag Tag;
    public char Punctuation;
    public bool IsCapitalized;
    public int Value;
    public PartsOfSpeech Readings;
    public bool NounDominant;
    public bool AdjectiveDominant;
    public string? NounLemma;
    public LexicalKind NounKind;
    public bool NounPlural;
    public VerbForm VerbForm;
    public bool IsCollocation;

    public readonly int Length => End - Start;

    public readonly bool Can(PartsOfSpeech pos) => (Readings & pos) != 0;
}
