namespace ViGoR;

/// <summary>
/// A plug-in: registers its components (a reward stream's <see cref="IRewardStreamFactory"/>, a detector,
/// options...) on the builder of every pipeline a host makes. The <c>vigor</c> tool loads plug-ins with
/// <c>vigor run --plugin FILE.dll</c>: it makes each public, non-abstract class of the assembly that
/// implements this interface with its public parameterless constructor and calls <see cref="Configure"/>,
/// so <c>--stream its-name</c> then works with no change to the tool.
/// </summary>
/// <remarks>
/// The tool shares its own copies of ViGoR's and Microsoft.Extensions' assemblies with the plug-in (a
/// plug-in built against another ViGoR version runs against the tool's); the plug-in's other
/// dependencies load from its folder, as its <c>.deps.json</c> lists them.
/// </remarks>
public interface IViGoRPlugin
{
    /// <summary>Adds the plug-in's registrations. Called once per pipeline built; must not depend on call order between plug-ins.</summary>
    void Configure(ViGoRBuilder builder);
}
