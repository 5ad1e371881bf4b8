namespace ViGoR.Annotation.Web;

/// <summary>What one annotator's labelling session works on and where it writes.</summary>
public sealed class AnnotationToolOptions
{
    /// <summary>The descriptions to label, in the order they are shown.</summary>
    public required IReadOnlyList<AnnotationWorkItem> Items { get; init; }

    /// <summary>The folder images are served from; nothing outside it is ever served.</summary>
    public required string ImagesDirectory { get; init; }

    /// <summary>
    /// The annotator's output (docs/annotations.md). Appended to, never rewritten: an existing file
    /// is resumed, and a re-labelled description is written as a later revision.
    /// </summary>
    public required string OutputPath { get; init; }

    /// <summary>The annotator's name, shown with the progress.</summary>
    public required string Annotator { get; init; }

    /// <summary>
    /// Show the detector's found and missing objects and the reward model's judgement of each
    /// sentence, where the items carry them. Off by default: seeing them anchors the annotator.
    /// </summary>
    public bool Assist { get; init; }

    /// <summary>
    /// A secret every request must carry (the <c>token</c> query parameter once, then a cookie, or
    /// the <c>X-Vigor-Token</c> header); compared in constant time. Required when the server listens on
    /// anything but loopback. Null: no token, and only loopback Host names are answered.
    /// </summary>
    public string? Token { get; init; }

    /// <summary>The largest request body accepted, in bytes; larger ones get 413. Default 256 KiB, far above any label.</summary>
    public long MaxRequestBodyBytes { get; init; } = 256 * 1024;
}
