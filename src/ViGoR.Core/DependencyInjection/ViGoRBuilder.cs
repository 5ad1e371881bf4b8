using Microsoft.Extensions.DependencyInjection;

namespace ViGoR;

/// <summary>
/// Returned by <c>services.AddViGoR()</c>: registers the models the trainer composes. Adapter
/// packages add extension methods on this type (e.g. <c>AddGroundingDinoOnnx</c>, <c>AddWordNetNounExtractor</c>).
/// </summary>
public sealed class ViGoRBuilder
{
    internal ViGoRBuilder(IServiceCollection services) => Services = services;

    /// <summary>The service collection being configured.</summary>
    public IServiceCollection Services { get; }
}
