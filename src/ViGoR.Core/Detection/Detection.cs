namespace ViGoR;

/// <summary>An axis-aligned box in pixels of the original image: (X1, Y1) top-left, (X2, Y2) bottom-right.</summary>
public readonly record struct BoundingBox(float X1, float Y1, float X2, float Y2)
{
    /// <summary>Width in pixels (never negative).</summary>
    public float Width => MathF.Max(0, X2 - X1);

    /// <summary>Height in pixels (never negative).</summary>
    public float Height => MathF.Max(0, Y2 - Y1);
}

/// <summary>One detected region.</summary>
/// <remarks>
/// A box can support several of the phrases asked about: Grounding DINO, asked "man . person . dog .",
/// may light both "man" and "person" for one box. <see cref="Query"/> names only the most probable;
/// <see cref="Queries"/> names them all. Whoever judges whether a phrase was found must read
/// <see cref="Queries"/>: reading <see cref="Query"/> alone counts a box under one phrase and calls the
/// others missing. Equality compares <see cref="Queries"/> element by element.
/// </remarks>
/// <param name="Label">The text the detector read for this box (for Grounding DINO: the tokens above the text threshold, decoded as transformers does).</param>
/// <param name="Query">The most probable query phrase the box supports (the first of <see cref="Queries"/>), or null when it supports none of them.</param>
/// <param name="Score">Confidence in [0, 1].</param>
/// <param name="Box">The box in pixels of the original image.</param>
public sealed record Detection(string Label, string? Query, float Score, BoundingBox Box)
{
    private readonly IReadOnlyList<string>? _queries;

    /// <summary>
    /// Every query phrase, as the caller spelled it, that this box supports (for Grounding DINO: a
    /// token of the phrase scores above the text threshold), most probable first, without
    /// duplicates; empty when the box supports none. When not set it is <see cref="Query"/> alone
    /// (or empty when <see cref="Query"/> is null), so detections made with the constructor only
    /// stay consistent.
    /// </summary>
    /// <exception cref="ArgumentException">Set to a list whose first entry is not <see cref="Query"/> (or that is not empty while <see cref="Query"/> is null), or that holds null.</exception>
    /// <remarks>
    /// The check runs when the list is set: set <see cref="Query"/> before it (the constructor
    /// does). A <c>with</c> expression that changes <see cref="Query"/> must set <see cref="Queries"/> too.
    /// </remarks>
    public IReadOnlyList<string> Queries
    {
        get => _queries ?? (Query is null ? [] : [Query]);
        init
        {
            ArgumentNullException.ThrowIfNull(value);
            if (value.Any(q => q is null))
            {
                throw new ArgumentException("Queries must not hold null.", nameof(value));
            }

            if ((value.Count == 0 ? null : value[0]) != Query)
            {
                throw new ArgumentException(
                    $"Queries must start with Query ('{Query}'), the most probable phrase; got [{string.Join(", ", value)}].", nameof(value));
            }

            _queries = [.. value];
        }
    }

    /// <inheritdoc />
    public bool Equals(Detection? other) =>
        other is not null
        && string.Equals(Label, other.Label, StringComparison.Ordinal)
        && string.Equals(Query, other.Query, StringComparison.Ordinal)
        && Score.Equals(other.Score)
        && Box.Equals(other.Box)
        && Queries.SequenceEqual(other.Queries, StringComparer.Ordinal);

    /// <inheritdoc />
    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.Add(Label, StringComparer.Ordinal);
        hash.Add(Query, StringComparer.Ordinal);
        hash.Add(Score);
        hash.Add(Box);
        foreach (var q in Queries)
        {
            hash.Add(q, StringComparer.Ordinal);
        }

        return hash.ToHashCode();
    }

    private bool PrintMembers(System.Text.StringBuilder builder)
    {
        builder.Append(System.Globalization.CultureInfo.InvariantCulture, $"Label = {Label}, Query = {Query}, Queries = [{string.Join(", ", Queries)}], Score = {Score}, Box = {Box}");
        return true;
    }
}

/// <summary>Options for one detector call.</summary>
public sealed class GroundingOptions
{
    /// <summary>
    /// Keep boxes whose best text score exceeds this (0..1). Default 0.25, the value the ViGoR
    /// paper (Yan et al., Sec. 3.2) uses with Grounding DINO.
    /// </summary>
    public float BoxThreshold { get; set; } = 0.25f;

    /// <summary>
    /// Text positions whose score exceeds this make up the label (0..1). Default 0.25 (ViGoR paper, Sec. 3.2).
    /// </summary>
    public float TextThreshold { get; set; } = 0.25f;

    /// <summary>Settings the abstraction does not name, for specific detectors.</summary>
    public IDictionary<string, object?> AdditionalProperties { get; init; } = new Dictionary<string, object?>();

    /// <summary>A copy, so callers can adjust options without touching shared ones.</summary>
    public GroundingOptions Clone() => new()
    {
        BoxThreshold = BoxThreshold,
        TextThreshold = TextThreshold,
        AdditionalProperties = new Dictionary<string, object?>(AdditionalProperties),
    };
}
