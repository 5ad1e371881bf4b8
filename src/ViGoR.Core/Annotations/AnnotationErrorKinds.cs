namespace ViGoR;

/// <summary>The names of the error kinds in annotations files, and their <see cref="SentenceErrorKind"/>.</summary>
internal static class AnnotationErrorKinds
{
    /// <summary>Every kind an annotation may name, in <see cref="SentenceErrorKind"/> order.</summary>
    public static IReadOnlyList<(string Name, SentenceErrorKind Kind)> All { get; } =
    [
        ("object_hallucination", SentenceErrorKind.ObjectHallucination),
        ("attribute", SentenceErrorKind.Attribute),
        ("relationship", SentenceErrorKind.Relationship),
        ("location", SentenceErrorKind.Location),
        ("conjecture", SentenceErrorKind.UnreasonableConjecture),
    ];

    /// <summary>"object_hallucination, attribute, ...": for error messages.</summary>
    public static string Expected { get; } = string.Join(", ", All.Select(k => k.Name));

    /// <summary>The file format's name of <paramref name="kind"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="kind"/> is <see cref="SentenceErrorKind.None"/> or unknown.</exception>
    public static string NameOf(SentenceErrorKind kind)
    {
        foreach (var (name, k) in All)
        {
            if (k == kind)
            {
                return name;
            }
        }

        throw new ArgumentOutOfRangeException(nameof(kind), kind, "Not an error kind of annotations files.");
    }

    /// <summary>The kind named <paramref name="name"/> (exact, lower case), or null when there is none.</summary>
    public static SentenceErrorKind? Find(string name)
    {
        foreach (var (n, kind) in All)
        {
            if (n == name)
            {
                return kind;
            }
        }

        return null;
    }
}
