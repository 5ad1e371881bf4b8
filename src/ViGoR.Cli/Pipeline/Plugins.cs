using System.Reflection;
using System.Runtime.Loader;

namespace ViGoR.Cli.Pipeline;

/// <summary>
/// The plug-ins of <c>vigor run --plugin FILE.dll</c>: each assembly is loaded in its own load context,
/// and every public class in it that implements <see cref="IViGoRPlugin"/> configures the pipeline's builder.
/// </summary>
internal static class Plugins
{
    /// <summary>Loads the plug-ins; null when there are none.</summary>
    /// <exception cref="ArgumentException">A file is missing, is not a .NET assembly, cannot load its dependencies, or holds no plug-in class; the message names the file.</exception>
    public static Action<ViGoRBuilder>? Load(IReadOnlyList<string> files)
    {
        if (files.Count == 0)
        {
            return null;
        }

        var plugins = files.SelectMany(LoadOne).ToList();
        return builder =>
        {
            foreach (var plugin in plugins)
            {
                plugin.Configure(builder);
            }
        };
    }

    private static IReadOnlyList<IViGoRPlugin> LoadOne(string file)
    {
        var path = Path.GetFullPath(file);
        if (!File.Exists(path))
        {
            throw new ArgumentException($"--plugin {file}: no such file.");
        }

        try
        {
            var assembly = new PluginLoadContext(path).LoadFromAssemblyPath(path);
            var types = assembly.GetExportedTypes()
                .Where(t => typeof(IViGoRPlugin).IsAssignableFrom(t) && t is { IsAbstract: false, IsGenericTypeDefinition: false } && t.GetConstructor(Type.EmptyTypes) is not null)
                .OrderBy(t => t.FullName, StringComparer.Ordinal)
                .ToList();
            if (types.Count == 0)
            {
                throw new ArgumentException($"--plugin {file}: {assembly.GetName().Name} has no public class implementing {typeof(IViGoRPlugin).FullName} with a public parameterless constructor.");
            }

            return types.Select(t => (IViGoRPlugin)Activator.CreateInstance(t)!).ToList();
        }
        catch (Exception e) when (e is BadImageFormatException or FileLoadException or FileNotFoundException or ReflectionTypeLoadException or TypeLoadException or TargetInvocationException)
        {
            var reason = e is TargetInvocationException { InnerException: { } inner } ? inner.Message : e.Message;
            throw new ArgumentException($"--plugin {file}: cannot be loaded ({reason}).", e);
        }
    }

    /// <summary>
    /// A plug-in's own load context. The assemblies the tool has (ViGoR's, Microsoft.Extensions', the
    /// framework's) come from the tool, so the plug-in's classes implement the very interfaces the tool
    /// asks for; anything else resolves from the plug-in's folder through its <c>.deps.json</c>.
    /// </summary>
    private sealed class PluginLoadContext(string path) : AssemblyLoadContext($"vigor-plugin:{Path.GetFileName(path)}")
    {
        private static readonly HashSet<string> HostAssemblies = ((string?)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") ?? string.Empty)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(Path.GetFileNameWithoutExtension)
            .OfType<string>()
            .ToHashSet(StringComparer.OrdinalIgnoreCase);

        private readonly AssemblyDependencyResolver _resolver = new(path);

        protected override Assembly? Load(AssemblyName assemblyName)
        {
            if (assemblyName.Name is { } name && HostAssemblies.Contains(name))
            {
                return null;
            }

            return _resolver.ResolveAssemblyToPath(assemblyName) is { } resolved ? LoadFromAssemblyPath(resolved) : null;
        }

        protected override IntPtr LoadUnmanagedDll(string unmanagedDllName) =>
            _resolver.ResolveUnmanagedDllToPath(unmanagedDllName) is { } resolved ? LoadUnmanagedDllFromPath(resolved) : IntPtr.Zero;
    }
}
