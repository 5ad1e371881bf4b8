using System.Diagnostics;
using TorchSharp;
using ViGoR.Torch.Native;

namespace ViGoR.Torch.Tests.Native;

public sealed class LibTorchSharpGlibcxxPatchTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("vigor-native-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void PatchMarksOnlyTheGlibcxx3432RequirementWeakOnACopyAndIsIdempotent()
    {
        var original = TorchSharpPackageLibrary();
        var originalBytes = File.ReadAllBytes(original);
        Assert.Equal(GlibcxxPatchState.Strict, LibTorchSharpGlibcxxPatch.Inspect(original));

        var copy = Path.Combine(_directory, LibTorchSharpGlibcxxPatch.LibraryFileName);
        File.Copy(original, copy);
        var linked = Path.Combine(_directory, "hardlink-of-copy.so");
        HardLink(copy, linked); // as MSBuild's CreateHardLinksForCopyLocalIfPossible links bin/ to the NuGet cache
        var before = ElfVersionTable.Read(File.ReadAllBytes(copy), copy);

        Assert.Equal(GlibcxxPatchState.Strict, LibTorchSharpGlibcxxPatch.Patch(copy));

        var patchedBytes = File.ReadAllBytes(copy);
        var after = ElfVersionTable.Read(patchedBytes, copy);
        Assert.Equal(before.Needs.Count, after.Needs.Count);
        for (var i = 0; i < before.Needs.Count; i++)
        {
            var expectedFlags = before.Needs[i].Version == LibTorchSharpGlibcxxPatch.Version
                ? before.Needs[i].Flags | ElfVersionTable.WeakFlag
                : before.Needs[i].Flags;
            Assert.Equal(expectedFlags, after.Needs[i].Flags);
        }

        Assert.Equal(originalBytes.Length, patchedBytes.Length);
        Assert.Equal(2, originalBytes.Zip(patchedBytes).Count(p => p.First != p.Second) + 1); // exactly one byte differs
        Assert.Equal(GlibcxxPatchState.Weak, LibTorchSharpGlibcxxPatch.Inspect(copy));

        // Idempotent: a second run changes nothing.
        Assert.Equal(GlibcxxPatchState.Weak, LibTorchSharpGlibcxxPatch.Patch(copy));
        Assert.Equal(patchedBytes, File.ReadAllBytes(copy));

        // The original and anything hard-linked to the unpatched file are untouched.
        Assert.Equal(originalBytes, File.ReadAllBytes(original));
        Assert.Equal(originalBytes, File.ReadAllBytes(linked));
        Assert.Equal(GlibcxxPatchState.Strict, LibTorchSharpGlibcxxPatch.Inspect(linked));
    }

    [Fact]
    public void TheLibraryThisTestLoadedIsLoadableAndTorchRuns()
    {
        using var ones = torch.ones(2);
        Assert.Equal(2.0f, ones.sum().item<float>());

        var loaded = Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", LibTorchSharpGlibcxxPatch.LibraryFileName);
        if (OperatingSystem.IsLinux() && File.Exists(loaded))
        {
            var libStdCxx = LibTorchSharpGlibcxxPatch.FindLoaderLibStdCxx(Path.GetDirectoryName(loaded));
            Assert.NotNull(libStdCxx);
            var expected = LibTorchSharpGlibcxxPatch.ProvidesVersion(libStdCxx) ? GlibcxxPatchState.Strict : GlibcxxPatchState.Weak;
            Assert.Equal(expected, LibTorchSharpGlibcxxPatch.Inspect(loaded));
        }
    }

    [Fact]
    public void EnsureLoadedSucceedsWhereTheBuildPatchedTheLibrary()
    {
        TorchNativeRuntime.EnsureLoaded();
        var diagnosis = TorchNativeRuntime.Diagnose(new NotSupportedException("doesn't contain a reference to libtorch-cpu-linux-x64"));
        Assert.Contains("libLibTorchSharp.so", diagnosis, StringComparison.Ordinal);
    }

    [Fact]
    public void DetectionReadsTheVersionDefinitionsOfTheLibStdCxxTheLoaderWouldUse()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        var system = LibTorchSharpGlibcxxPatch.FindLoaderLibStdCxx(null);
        Assert.NotNull(system);
        var bytes = File.ReadAllBytes(system);
        var marker = System.Text.Encoding.ASCII.GetBytes(LibTorchSharpGlibcxxPatch.Version + "\0");
        Assert.Equal(bytes.AsSpan().IndexOf(marker) >= 0, LibTorchSharpGlibcxxPatch.ProvidesVersion(system));

        // A libstdc++ next to the library wins (its $ORIGIN runpath), and one that defines the version needs no patch.
        var newer = Path.Combine(_directory, "libstdc++.so.6");
        var renamed = (byte[])bytes.Clone();
        var old = System.Text.Encoding.ASCII.GetBytes("GLIBCXX_3.4.30\0");
        var at = renamed.AsSpan().IndexOf(old);
        Assert.True(at >= 0, "the system libstdc++ should define GLIBCXX_3.4.30");
        marker.CopyTo(renamed, at);
        File.WriteAllBytes(newer, renamed);
        Assert.Equal(newer, LibTorchSharpGlibcxxPatch.FindLoaderLibStdCxx(_directory));
        Assert.True(LibTorchSharpGlibcxxPatch.ProvidesVersion(newer));
    }

    [Fact]
    public void NonElfInputIsRejectedWithTheFileName()
    {
        var path = Path.Combine(_directory, "not-elf.so");
        File.WriteAllText(path, "hello");
        var error = Assert.Throws<InvalidDataException>(() => LibTorchSharpGlibcxxPatch.Patch(path));
        Assert.Contains(path, error.Message, StringComparison.Ordinal);
        Assert.Equal("hello", File.ReadAllText(path));
    }

    private static string TorchSharpPackageLibrary()
    {
        // The NuGet cache copy, read only: the test patches a copy of it.
        var torchSharpDll = typeof(TorchSharp.torch).Assembly.Location;
        var packages = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
            ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        var version = typeof(TorchSharp.torch).Assembly.GetName().Version!;
        var candidate = Path.Combine(packages, "torchsharp", $"{version.Major}.{version.Minor}.{version.Build}", "runtimes", "linux-x64", "native", LibTorchSharpGlibcxxPatch.LibraryFileName);
        Assert.True(File.Exists(candidate), $"TorchSharp's native library not found at {candidate} (TorchSharp.dll loaded from {torchSharpDll}).");
        return candidate;
    }

    private static void HardLink(string existing, string link)
    {
        using var ln = Process.Start(new ProcessStartInfo("ln", [existing, link]) { UseShellExecute = false })!;
        ln.WaitForExit();
        Assert.Equal(0, ln.ExitCode);
    }
}
