using System.Text.Json;

namespace ViGoR.Samples.CustomDetector;

/// <summary>
/// A stand-in for your own detector: an object "is in the image" when one of the image's human
/// reference captions names it (read from JSON Lines with "image" and "captions"). Swap in OWL-ViT,
/// a VQA check or anything else by implementing the same one-method interface.
/// </summary>
internal sealed class CaptionMentionDetector(string captionsFile) : IGroundingDetector, IComponentIdentity
{
    private readonly Dictionary<string, string> _captions = File.ReadLines(captionsFile)
        .Where(line => line.Length > 0)
        .Select(line => JsonDocument.Parse(line).RootElement)
        .ToDictionary(e => e.GetProperty("image").GetString()!, e => string.Join(" ", e.GetProperty("captions").EnumerateArray().Select(c => c.GetString())).ToLowerInvariant());

    /// <summary>Recorded in the journal's header, so a run is never resumed with another detector.</summary>
    public string Identity => ComponentIdentity.ForPath("caption-mentions", captionsFile);

    public Task<IReadOnlyList<Detection>> DetectAsync(ImageInput image, IReadOnlyList<string> phrases, GroundingOptions? options = null, CancellationToken cancellationToken = default)
    {
        var captions = _captions.GetValueOrDefault(image.Id) ?? throw new ArgumentException($"{captionsFile} has no captions for image '{image.Id}'.", nameof(image));

        // One whole-image "box" per phrase the captions mention (singular or plural): each detection
        // supports exactly the phrase it names.
        IReadOnlyList<Detection> found = phrases
            .Where(p => captions.Contains(p, StringComparison.Ordinal) || captions.Contains(p + "s", StringComparison.Ordinal))
            .Select(p => new Detection(p, p, 1f, new BoundingBox(0, 0, 1, 1)))
            .ToList();
        return Task.FromResult(found);
    }
}
