namespace ViGoR;

/// <summary>
/// Splits a description into sentences and finds the visual nouns the automatic reward checks.
/// The default implementation is <c>ViGoR.Nlp.WordNetNounExtractor</c>; a spaCy- or
/// Catalyst-backed extractor can be plugged in behind the same seam.
/// </summary>
/// <remarks>Implementations must be safe for concurrent callers.</remarks>
public interface INounExtractor : IPipelineComponent
{
    /// <summary>Parses <paramref name="text"/>. Empty or white-space text gives zero sentences.</summary>
    ValueTask<ParsedText> ExtractAsync(string text, CancellationToken cancellationToken = default);
}
