namespace ViGoR;

/// <summary>
/// An open-set detector: finds the given phrases in an image. The automatic reward asks it, once
/// per image, about the union of the nouns of all k samples.
/// </summary>
/// <remarks>Implementations must be safe for concurrent callers.</remarks>
public interface IGroundingDetector
{
    /// <summary>
    /// Detects <paramref name="phrases"/> in <paramref name="image"/>. Returns every detection that
    /// passes the thresholds. A detection supports each phrase in its <see cref="Detection.Queries"/>
    /// (the caller's spelling, most probable first: <see cref="Detection.Query"/>), so one box can
    /// show several phrases ("man" and "person").
    /// A phrase is found when any detection lists it in <see cref="Detection.Queries"/>.
    /// An implementation with an input limit (Grounding DINO: 256 tokens) splits the phrase list
    /// itself and concatenates the results, so callers may pass any number of phrases; one object
    /// may then come back once per part, each time supporting phrases of that part only.
    /// </summary>
    Task<IReadOnlyList<Detection>> DetectAsync(
        ImageInput image,
        IReadOnlyList<string> phrases,
        GroundingOptions? options = null,
        CancellationToken cancellationToken = default);
}
