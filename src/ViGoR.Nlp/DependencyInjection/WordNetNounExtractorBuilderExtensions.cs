using ViGoR;
using ViGoR.Nlp;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers <see cref="WordNetNounExtractor"/> as the pipeline's <see cref="INounExtractor"/>.</summary>
public static class WordNetNounExtractorBuilderExtensions
{
    /// <summary>
    /// Uses the WordNet-based extractor (a singleton: it is thread-safe). Replaces any earlier noun extractor.
    /// </summary>
    /// <param name="builder">The builder returned by <c>services.AddViGoR()</c>.</param>
    /// <param name="configure">Adjusts the vocabulary; called once, at registration.</param>
    public static ViGoRBuilder UseWordNetNounExtractor(this ViGoRBuilder builder, Action<WordNetNounExtractorOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var options = new WordNetNounExtractorOptions();
        configure?.Invoke(options);
        return builder.UseNounExtractor(_ => configure is null ? new WordNetNounExtractor() : new WordNetNounExtractor(options));
    }
}
