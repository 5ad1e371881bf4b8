namespace ViGoR;

/// <summary>
/// The snake_case names of <see cref="SentenceErrorKind"/> that ViGoR's files use (judgement files,
/// reward-model metadata): <c>object_hallucination</c>, <c>attribute</c>, <c>relationship</c>,
/// <c>location</c>, <c>conjecture</c>; <see cref="SentenceErrorKind.None"/> is written as JSON null.
/// </summary>
public static class SentenceErrorKindNames
{
    /// <summary>The names accepted by <see cref="TryParse"/>, for error messages.</summary>
    public const string Accepted = "object_hallucination, attribute, relationship, location, conjecture or null";

    /// <summary>The file name of <paramref name="kind"/>; null for <see cref="SentenceErrorKind.None"/>.</summary>
    public static string? ToName(SentenceErrorKind kind) => kind switch
    {
        SentenceErrorKind.None => null,
        SentenceErrorKind.ObjectHallucination => "object_hallucination",
        SentenceErrorKind.Attribute => "attribute",
        SentenceErrorKind.Relationship => "relationship",
        SentenceErrorKind.Location => "location",
        SentenceErrorKind.UnreasonableConjecture => "conjecture",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown error kind."),
    };

    /// <summary>Reads a name written by <see cref="ToName"/> (null means <see cref="SentenceErrorKind.None"/>); false for any other string.</summary>
    public static bool TryParse(string? name, out SentenceErrorKind kind)
    {
        kind = name switch
        {
            null => SentenceErrorKind.None,
            "object_hallucination" => SentenceErrorKind.ObjectHallucination,
            "attribute" => SentenceErrorKind.Attribute,
            "relationship" => SentenceErrorKind.Relationship,
            "location" => SentenceErrorKind.Location,
            "conjecture" => SentenceErrorKind.UnreasonableConjecture,
            _ => (SentenceErrorKind)(-1),
        };
        return Enum.IsDefined(kind);
    }
}
