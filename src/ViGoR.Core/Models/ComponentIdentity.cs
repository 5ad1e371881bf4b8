namespace ViGoR;

/// <summary>
/// Implemented by a model, detector or file-backed component whose identity shapes the results it
/// gives (e.g. its model folder). The identity is recorded in journal headers, so that a run is
/// not resumed with another model.
/// </summary>
public interface IComponentIdentity
{
    /// <summary>A stable, human-readable identity, e.g. <c>llava:/models/llava-1.5-7b-hf</c>.</summary>
    string Identity { get; }
}

/// <summary>Finds a component's identity for journal headers.</summary>
public static class ComponentIdentity
{
    /// <summary>
    /// The component's <see cref="IComponentIdentity.Identity"/>, found through
    /// <see cref="IPipelineComponent.GetService"/> for a pipeline component (so a transparent
    /// decorator answers with the identity of what it wraps), or its type's full name.
    /// </summary>
    public static string Of(object component)
    {
        ArgumentNullException.ThrowIfNull(component);
        var identified = component is IPipelineComponent pipeline ? pipeline.GetService<IComponentIdentity>() : component as IComponentIdentity;
        return identified?.Identity ?? component.GetType().FullName ?? component.GetType().Name;
    }

    /// <summary>
    /// An identity for a file or folder: a kind, the full path and, when it exists, what it holds
    /// (<c>kind:/full/path@sha256:...</c>, <see cref="ContentFingerprint.Of"/>), so a journal is
    /// resumed neither with another file nor with the same file changed in place. Hashes the input:
    /// call it once per run, not per image.
    /// </summary>
    public static string ForPath(string kind, string path)
    {
        var full = Path.GetFullPath(path);
        return File.Exists(full) || Directory.Exists(full) ? $"{kind}:{full}@{ContentFingerprint.Of(full)}" : $"{kind}:{full}";
    }
}
