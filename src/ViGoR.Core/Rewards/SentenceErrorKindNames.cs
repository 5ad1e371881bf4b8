namespace ViGoR;

/// <summary>
/// The snake_case names of <see cref="SentenceErrorKind"/> that ViGoR's files use (judgement files,
/// reward-model metadata): <c>object_hallucination</c>, <c>attribute</c>, <c>relationship</c>,
/// <c>location</c>, <c>conjecture</c>; <see cref="SentenceErrorKind.None"/> is written as JSON null.
/// The one table of these names: judgement files, annotations, reward-model metadata and metrics all use it.
/// </summary>
public static class SentenceErrorKindNames
{
    /// <summary>Every error kind with its name, in <see cref="SentenceErrorKind"/> order (<see cref="SentenceErrorKind.None"/> excluded).</summary>
    public static IReadOnlyList<(string Name, SentenceErrorKind Kind)> Errors { get; } =
    [
        ("object_hallucination", SentenceErrorKind.ObjectHallucination),
        ("attribute", SentenceErrorKind.Attribute),
        ("relationship", SentenceErrorKind.Relationship),
        ("location", SentenceErrorKind.Location),
        ("conjecture", SentenceErrorKind.UnreasonableConjecture),
    ];

    /// <summary>The names accepted by <see cref="TryParse"/>, for error messages.</summary>
    public const string Accepted = "object_hallucination, attribute, relationship, location, conjecture or null";

    /// <summary>The file name of <paramref name="kind"/>; null for <see cref="SentenceErrorKind.None"/>.</summary>
    public static string? ToName(SentenceErrorKind kind) => kind == SentenceErrorKind.None
        ? null
        : Errors.FirstOrDefault(e => e.Kind == kind).Name ?? throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown error kind.");

    /// <summary>Reads a name written by <see cref="ToName"/> (null means <see cref="SentenceErrorKind.None"/>); false for any other string.</summary>
    public static bool TryParse(string? name, out SentenceErrorKind kind)
    {
        if (name is null)
        {
            kind = SentenceErrorKind.None;
            return true;
        }

        foreach (var (n, k) in Errors)
        {
            if (n == name)
            {
                kind = k;
                return true;
            }
        }

        kind = SentenceErrorKind.None;
        return false;
    }
}
