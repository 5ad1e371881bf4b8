using System.Runtime.InteropServices;
using TorchSharp;
using ViGoR.Torch.Native;

namespace ViGoR.Torch;

/// <summary>
/// Loads TorchSharp's native backend and, when that fails, explains why. TorchSharp reports every
/// load failure as "doesn't contain a reference to libtorch-cpu-linux-x64", including the common
/// case where libLibTorchSharp.so needs GLIBCXX_3.4.32 and the system libstdc++ is older
/// (Debian 12, Ubuntu 22.04); this names that cause and its fix.
/// </summary>
public static class TorchNativeRuntime
{
    /// <summary>
    /// Initialises the native backend for <paramref name="deviceType"/> (idempotent, cheap after the
    /// first call). Call it before the first tensor operation to get an actionable error.
    /// </summary>
    /// <exception cref="InvalidOperationException">The backend failed to load; the message says why and how to fix it.</exception>
    public static void EnsureLoaded(DeviceType deviceType = DeviceType.CPU)
    {
        try
        {
            torch.InitializeDeviceType(deviceType);
        }
        catch (Exception e) when (e is NotSupportedException or DllNotFoundException or TypeInitializationException or EntryPointNotFoundException)
        {
            throw new InvalidOperationException(Diagnose(e), e);
        }
    }

    /// <summary>The explanation <see cref="EnsureLoaded"/> gives for a load failure.</summary>
    internal static string Diagnose(Exception loadError)
    {
        if (!OperatingSystem.IsLinux())
        {
            return $"TorchSharp's native backend failed to load: {loadError.Message}";
        }

        var library = FindAppLibTorchSharp();
        if (library is null)
        {
            return "TorchSharp's native backend failed to load and no libLibTorchSharp.so was found next to the application " +
                $"({AppContext.BaseDirectory}). Reference a libtorch backend package (e.g. libtorch-cpu-linux-x64) in the application project. " +
                $"TorchSharp said: {loadError.Message}";
        }

        string? libStdCxx = null;
        var provides = true;
        try
        {
            libStdCxx = LibTorchSharpGlibcxxPatch.FindLoaderLibStdCxx(Path.GetDirectoryName(library));
            provides = libStdCxx is null || LibTorchSharpGlibcxxPatch.ProvidesVersion(libStdCxx);
            if (!provides && LibTorchSharpGlibcxxPatch.Inspect(library) == GlibcxxPatchState.Strict)
            {
                return $"TorchSharp's native library {library} requires {LibTorchSharpGlibcxxPatch.Version}, which this system's {libStdCxx} lacks " +
                    "(Debian 12 and Ubuntu 22.04 stop at GLIBCXX_3.4.30); TorchSharp misreports this as a missing libtorch package. " +
                    "ViGoR.Torch's build step marks that requirement weak in the application's copy: rebuild the application (it must reference " +
                    "the ViGoR.Torch package, or import ViGoR.Torch's build/ViGoR.Torch.targets, with ViGoRPatchLibTorchSharp not set to false), " +
                    "or install a libstdc++ from GCC 13 or later. See docs/native-glibcxx.md.";
            }
        }
        catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
        {
            return $"TorchSharp's native backend failed to load ({loadError.Message}); inspecting {library} also failed: {e.Message}";
        }

        return $"TorchSharp's native backend failed to load from {library} (libstdc++: {libStdCxx ?? "not found"}, provides {LibTorchSharpGlibcxxPatch.Version}: {provides}). " +
            $"Run with LD_DEBUG=libs to see the loader's reason. TorchSharp said: {loadError.Message}";
    }

    private static string? FindAppLibTorchSharp()
    {
        var rid = RuntimeInformation.OSArchitecture == Architecture.Arm64 ? "linux-arm64" : "linux-x64";
        foreach (var candidate in new[]
        {
            Path.Combine(AppContext.BaseDirectory, LibTorchSharpGlibcxxPatch.LibraryFileName),
            Path.Combine(AppContext.BaseDirectory, "runtimes", rid, "native", LibTorchSharpGlibcxxPatch.LibraryFileName),
        })
        {
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }
}
