namespace ViGoR;

/// <summary>
/// A noun extractor that passes every call to an inner one: derive from it to add caching or
/// logging around any <see cref="INounExtractor"/>. The journal identity stays the inner
/// extractor's unless the derived class implements <see cref="IComponentIdentity"/> itself.
/// </summary>
/// <remarks>Thread safety is the inner extractor's plus whatever the derived class adds.</remarks>
public class DelegatingNounExtractor : INounExtractor
{
    /// <summary>Wraps <paramref name="innerExtractor"/>.</summary>
    protected DelegatingNounExtractor(INounExtractor innerExtractor) =>
        InnerExtractor = innerExtractor ?? throw new ArgumentNullException(nameof(innerExtractor));

    /// <summary>The extractor every call goes to.</summary>
    protected INounExtractor InnerExtractor { get; }

    /// <inheritdoc />
    public virtual ValueTask<ParsedText> ExtractAsync(string text, CancellationToken cancellationToken = default) =>
        InnerExtractor.ExtractAsync(text, cancellationToken);

    /// <inheritdoc />
    public virtual object? GetService(Type serviceType, object? serviceKey = null) =>
        Delegation.GetService(this, InnerExtractor, serviceType, serviceKey);
}
