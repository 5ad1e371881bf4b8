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
/// <param name="Label">The text the detector read for this box (for Grounding DINO: the tokens above the text threshold, decoded as transformers does).</param>
/// <param name="Query">The query phrase the detection is attributed to, or null when it lights up none of them.</param>
/// <param name="Score">Confidence in [0, 1].</param>
/// <param name="Box">The box in pixels of the original image.</param>
public sealed record Detection(string Label, string? Query, float Score, BoundingBox Box);

/// <summary>Options for one detector call.</summary>
public sealed class GroundingOptions
{
    /// <summary>
    /// Keep boxes whose best text score exceeds this (0..1). Default 0.25, the value the ViGoR
    /// paper (Yan et al., Sec. 3.3) uses with Grounding DINO.
    /// </summary>
    public float BoxThreshold { get; set; } = 0.25f;

    /// <summary>
    /// Text positions whose score exceeds this make up the label (0..1). Default 0.25 (ViGoR paper, Sec. 3.3).
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
