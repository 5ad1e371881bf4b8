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
    /// passes the thresholds; each is attributed to the phrase it matches (<see cref="Detection.Query"/>).
    /// An implementation with an input limit (Grounding DINO: 256 tokens) splits the phrase list
    /// itself and merges the results, so callers may pass any number of phrases.
    /// </summary>
    Task<IReadOnlyList<Detection>> DetectAsync(
        ImageInput image,
        IReadOnlyList<string> phrases,
        GroundingOptions? options = null,
        CancellationToken cancellationToken = default);
}
