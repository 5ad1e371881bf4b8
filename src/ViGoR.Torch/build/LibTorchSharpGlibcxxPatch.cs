// This one file is compiled twice: into ViGoR.Torch (the runtime diagnostic and the tests use it)
// and by MSBuild's RoslynCodeTaskFactory from ViGoR.Torch.targets (the build-time patch), which
// compiles against .NET Standard without the NET symbol. Keep it to the BCL and plain C#.
#nullable enable
using System;
using System.Collections.Generic;
using System.IO;
using System.Runtime.InteropServices;
using System.Text;

namespace ViGoR.Torch.Native;

/// <summary>What <see cref="LibTorchSharpGlibcxxPatch"/> found or did.</summary>
internal enum GlibcxxPatchState
{
    /// <summary>The library does not require the version at all: nothing to do.</summary>
    NotRequired,

    /// <summary>The library requires the version strictly: it fails to load where libstdc++ lacks it.</summary>
    Strict,

    /// <summary>The requirement is already weak (patched before): loads everywhere.</summary>
    Weak,
}

/// <summary>One Vernaux entry of an ELF <c>.gnu.version_r</c> section: a version a library needs from a dependency.</summary>
internal sealed class ElfVersionNeed
{
    public ElfVersionNeed(string file, string version, int index, int flags, int flagsOffset)
    {
        File = file;
        Version = version;
        Index = index;
        Flags = flags;
        FlagsOffset = flagsOffset;
    }

    /// <summary>The dependency (DT_NEEDED name), e.g. <c>libstdc++.so.6</c>.</summary>
    public string File { get; }

    /// <summary>The version name, e.g. <c>GLIBCXX_3.4.32</c>.</summary>
    public string Version { get; }

    /// <summary>The version index that <c>.gnu.version</c> entries use to bind symbols to this version.</summary>
    public int Index { get; }

    /// <summary>vna_flags; bit <see cref="ElfVersionTable.WeakFlag"/> makes a missing version non-fatal.</summary>
    public int Flags { get; }

    /// <summary>File offset of vna_flags (two bytes, little-endian).</summary>
    public int FlagsOffset { get; }
}

/// <summary>
/// The symbol-versioning tables of a 64-bit little-endian ELF shared object: the versions it
/// needs (<c>.gnu.version_r</c>), the versions it defines (<c>.gnu.version_d</c>) and which
/// dynamic symbols are bound to which version (<c>.dynsym</c> + <c>.gnu.version</c>).
/// </summary>
internal sealed class ElfVersionTable
{
    /// <summary>VER_FLG_WEAK: glibc's loader only warns (LD_DEBUG) when a weak version is missing.</summary>
    public const int WeakFlag = 0x2;

    private const uint ShtDynsym = 11;
    private const uint ShtGnuVerdef = 0x6ffffffd;
    private const uint ShtGnuVerneed = 0x6ffffffe;
    private const uint ShtGnuVersym = 0x6fffffff;

    private ElfVersionTable(List<ElfVersionNeed> needs, List<string> definitions, Dictionary<int, List<string>> symbolsByVersion)
    {
        Needs = needs;
        Definitions = definitions;
        SymbolsByVersionIndex = symbolsByVersion;
    }

    /// <summary>Versions needed from dependencies.</summary>
    public IReadOnlyList<ElfVersionNeed> Needs { get; }

    /// <summary>Version names the object defines (a libstdc++ lists GLIBCXX_3.4 ... GLIBCXX_3.4.N here).</summary>
    public IReadOnlyList<string> Definitions { get; }

    /// <summary>Names of dynamic symbols per version index (hidden bit cleared).</summary>
    public IReadOnlyDictionary<int, List<string>> SymbolsByVersionIndex { get; }

    /// <summary>Reads the tables; throws <see cref="InvalidDataException"/> for anything but a 64-bit little-endian ELF with section headers.</summary>
    public static ElfVersionTable Read(byte[] elf, string nameForErrors)
    {
        if (elf.Length < 64 || elf[0] != 0x7f || elf[1] != (byte)'E' || elf[2] != (byte)'L' || elf[3] != (byte)'F')
        {
            throw new InvalidDataException($"'{nameForErrors}' is not an ELF file.");
        }

        if (elf[4] != 2 || elf[5] != 1)
        {
            throw new InvalidDataException($"'{nameForErrors}' is not a 64-bit little-endian ELF file.");
        }

        var sectionOffset = checked((int)U64(elf, 0x28, nameForErrors));
        var sectionSize = U16(elf, 0x3A, nameForErrors);
        var sectionCount = U16(elf, 0x3C, nameForErrors);
        if (sectionOffset == 0 || sectionCount == 0 || sectionSize < 64)
        {
            throw new InvalidDataException($"'{nameForErrors}' has no section headers.");
        }

        var needs = new List<ElfVersionNeed>();
        var definitions = new List<string>();
        var symbolsByVersion = new Dictionary<int, List<string>>();
        int dynsym = -1, versym = -1;
        for (var i = 0; i < sectionCount; i++)
        {
            var header = sectionOffset + (i * sectionSize);
            var type = U32(elf, header + 4, nameForErrors);
            if (type == ShtGnuVerneed)
            {
                ReadNeeds(elf, header, needs, nameForErrors);
            }
            else if (type == ShtGnuVerdef)
            {
                ReadDefinitions(elf, header, definitions, nameForErrors);
            }
            else if (type == ShtDynsym)
            {
                dynsym = header;
            }
            else if (type == ShtGnuVersym)
            {
                versym = header;
            }
        }

        if (dynsym >= 0 && versym >= 0)
        {
            var symbols = checked((int)U64(elf, dynsym + 0x18, nameForErrors));
            var symbolsSize = checked((int)U64(elf, dynsym + 0x20, nameForErrors));
            var strings = SectionOffset(elf, sectionOffset, sectionSize, (int)U32(elf, dynsym + 0x28, nameForErrors), nameForErrors);
            var versions = checked((int)U64(elf, versym + 0x18, nameForErrors));
            for (var s = 0; s < symbolsSize / 24; s++)
            {
                var index = U16(elf, versions + (2 * s), nameForErrors) & 0x7fff;
                if (index < 2)
                {
                    continue; // local or global (unversioned)
                }

                var name = CString(elf, strings + (int)U32(elf, symbols + (24 * s), nameForErrors), nameForErrors);
                if (!symbolsByVersion.TryGetValue(index, out var list))
                {
                    list = new List<string>();
                    symbolsByVersion[index] = list;
                }

                list.Add(name);
            }
        }

        return new ElfVersionTable(needs, definitions, symbolsByVersion);
    }

    private static void ReadNeeds(byte[] elf, int header, List<ElfVersionNeed> needs, string name)
    {
        var sectionOffset = checked((int)U64(elf, 0x28, name));
        var sectionSize = U16(elf, 0x3A, name);
        var strings = SectionOffset(elf, sectionOffset, sectionSize, (int)U32(elf, header + 0x28, name), name);
        var offset = checked((int)U64(elf, header + 0x18, name));
        var count = (int)U32(elf, header + 0x2C, name); // sh_info: number of Verneed entries
        for (var n = 0; n < count; n++)
        {
            var auxCount = U16(elf, offset + 2, name);
            var file = CString(elf, strings + (int)U32(elf, offset + 4, name), name);
            var aux = offset + (int)U32(elf, offset + 8, name);
            for (var a = 0; a < auxCount; a++)
            {
                var flags = U16(elf, aux + 4, name);
                var index = U16(elf, aux + 6, name) & 0x7fff;
                var version = CString(elf, strings + (int)U32(elf, aux + 8, name), name);
                needs.Add(new ElfVersionNeed(file, version, index, flags, aux + 4));
                var nextAux = (int)U32(elf, aux + 12, name);
                if (nextAux == 0)
                {
                    break;
                }

                aux += nextAux;
            }

            var next = (int)U32(elf, offset + 12, name);
            if (next == 0)
            {
                break;
            }

            offset += next;
        }
    }

    private static void ReadDefinitions(byte[] elf, int header, List<string> definitions, string name)
    {
        var sectionOffset = checked((int)U64(elf, 0x28, name));
        var sectionSize = U16(elf, 0x3A, name);
        var strings = SectionOffset(elf, sectionOffset, sectionSize, (int)U32(elf, header + 0x28, name), name);
        var offset = checked((int)U64(elf, header + 0x18, name));
        var count = (int)U32(elf, header + 0x2C, name);
        for (var d = 0; d < count; d++)
        {
            var aux = offset + (int)U32(elf, offset + 12, name);
            definitions.Add(CString(elf, strings + (int)U32(elf, aux, name), name)); // the first Verdaux names the version itself
            var next = (int)U32(elf, offset + 16, name);
            if (next == 0)
            {
                break;
            }

            offset += next;
        }
    }

    private static int SectionOffset(byte[] elf, int sectionOffset, int sectionSize, int section, string name) =>
        checked((int)U64(elf, sectionOffset + (section * sectionSize) + 0x18, name));

    private static void Check(byte[] elf, int offset, int length, string name)
    {
        if (offset < 0 || offset + length > elf.Length)
        {
            throw new InvalidDataException($"'{name}' is truncated or corrupt (read of {length} bytes at offset {offset} past the end).");
        }
    }

    private static int U16(byte[] elf, int offset, string name)
    {
        Check(elf, offset, 2, name);
        return elf[offset] | (elf[offset + 1] << 8);
    }

    private static uint U32(byte[] elf, int offset, string name)
    {
        Check(elf, offset, 4, name);
        return (uint)(elf[offset] | (elf[offset + 1] << 8) | (elf[offset + 2] << 16) | (elf[offset + 3] << 24));
    }

    private static ulong U64(byte[] elf, int offset, string name) =>
        U32(elf, offset, name) | ((ulong)U32(elf, offset + 4, name) << 32);

    private static string CString(byte[] elf, int offset, string name)
    {
        Check(elf, offset, 1, name);
        var end = Array.IndexOf(elf, (byte)0, offset);
        if (end < 0)
        {
            throw new InvalidDataException($"'{name}' has an unterminated string at offset {offset}.");
        }

        return Encoding.ASCII.GetString(elf, offset, end - offset);
    }
}

/// <summary>
/// TorchSharp 0.107's libLibTorchSharp.so was linked against GCC 13's libstdc++ and so requires
/// GLIBCXX_3.4.32, which Debian 12 and Ubuntu 22.04 lack (they stop at 3.4.30): the dynamic
/// loader refuses the library and TorchSharp reports a misleading "doesn't contain a reference to
/// libtorch-cpu-linux-x64". The only symbol bound to that version is
/// <c>_ZSt21ios_base_library_initv</c>, a marker GCC 13's &lt;iostream&gt; references so that the
/// linker records the requirement; nothing calls it and no relocation uses it. Marking the version
/// requirement weak (VER_FLG_WEAK in its Vernaux entry) lets glibc load the library on those
/// systems; on systems that have the version the flag changes nothing.
/// </summary>
internal static class LibTorchSharpGlibcxxPatch
{
    /// <summary>The version that older libstdc++ builds lack.</summary>
    public const string Version = "GLIBCXX_3.4.32";

    /// <summary>The file name of TorchSharp's native library on Linux.</summary>
    public const string LibraryFileName = "libLibTorchSharp.so";

    private const string LibStdCxx = "libstdc++.so.6";

    private static readonly char[] PathSeparators = { ':' };

    /// <summary>
    /// Symbols that may be bound to <see cref="Version"/>: markers that are never called. If a
    /// future TorchSharp binds anything else to it, weakening would turn a load failure into a
    /// crash at call time, so <see cref="Patch"/> refuses.
    /// </summary>
    public static readonly string[] MarkerSymbols = { "_ZSt21ios_base_library_initv" };

    /// <summary>Reads the state of <paramref name="libraryPath"/> without changing it.</summary>
    public static GlibcxxPatchState Inspect(string libraryPath)
    {
        var need = FindNeed(ElfVersionTable.Read(File.ReadAllBytes(libraryPath), libraryPath));
        return need is null ? GlibcxxPatchState.NotRequired
            : (need.Flags & ElfVersionTable.WeakFlag) != 0 ? GlibcxxPatchState.Weak
            : GlibcxxPatchState.Strict;
    }

    /// <summary>
    /// Marks the <see cref="Version"/> requirement of <paramref name="libraryPath"/> weak. Idempotent.
    /// Writes a new file and renames it over the old one, so a hard link into the NuGet cache
    /// is replaced, never written through; the file's mode and modification time are kept so
    /// that incremental copies see it as unchanged.
    /// </summary>
    /// <returns>The state before the call: <see cref="GlibcxxPatchState.Strict"/> means it was patched now.</returns>
    /// <exception cref="InvalidDataException">Not a 64-bit ELF, or symbols other than the known markers need the version.</exception>
    public static GlibcxxPatchState Patch(string libraryPath)
    {
        var bytes = File.ReadAllBytes(libraryPath);
        var table = ElfVersionTable.Read(bytes, libraryPath);
        var need = FindNeed(table);
        if (need is null)
        {
            return GlibcxxPatchState.NotRequired;
        }

        if ((need.Flags & ElfVersionTable.WeakFlag) != 0)
        {
            return GlibcxxPatchState.Weak;
        }

        if (table.SymbolsByVersionIndex.TryGetValue(need.Index, out var bound))
        {
            foreach (var symbol in bound)
            {
                if (Array.IndexOf(MarkerSymbols, symbol) < 0)
                {
                    throw new InvalidDataException(
                        $"'{libraryPath}' binds '{symbol}' to {Version}; only the marker {string.Join(", ", MarkerSymbols)} is known to be safe to weaken. " +
                        "Not patching: install a libstdc++ that provides " + Version + " (GCC 13 or later) instead.");
                }
            }
        }

        var flags = need.Flags | ElfVersionTable.WeakFlag;
        bytes[need.FlagsOffset] = (byte)(flags & 0xff);
        bytes[need.FlagsOffset + 1] = (byte)(flags >> 8);

        var info = new FileInfo(libraryPath);
        var lastWrite = info.LastWriteTimeUtc;
        var temp = libraryPath + ".vigor-patch.tmp";
        File.WriteAllBytes(temp, bytes);
        CopyUnixMode(libraryPath, temp);
        File.SetLastWriteTimeUtc(temp, lastWrite);
        ReplaceFile(temp, libraryPath);
        return GlibcxxPatchState.Strict;
    }

    /// <summary>
    /// The libstdc++ the dynamic loader would pick for a library in <paramref name="besideDirectory"/>
    /// (its $ORIGIN runpath first, then LD_LIBRARY_PATH, then the distribution's library
    /// directories), or null when none is found.
    /// </summary>
    public static string? FindLoaderLibStdCxx(string? besideDirectory)
    {
        var candidates = new List<string>();
        if (!string.IsNullOrEmpty(besideDirectory))
        {
            candidates.Add(besideDirectory!);
        }

        var ldPath = Environment.GetEnvironmentVariable("LD_LIBRARY_PATH");
        if (!string.IsNullOrEmpty(ldPath))
        {
            candidates.AddRange(ldPath!.Split(PathSeparators, StringSplitOptions.RemoveEmptyEntries));
        }

        var triplet = RuntimeInformation.OSArchitecture == Architecture.Arm64 ? "aarch64-linux-gnu" : "x86_64-linux-gnu";
        candidates.AddRange(new[]
        {
            "/lib/" + triplet, "/usr/lib/" + triplet, "/lib64", "/usr/lib64", "/lib", "/usr/lib", "/usr/local/lib64", "/usr/local/lib",
        });

        foreach (var directory in candidates)
        {
            var path = Path.Combine(directory, LibStdCxx);
            if (File.Exists(path))
            {
                return path;
            }
        }

        return null;
    }

    /// <summary>True when the libstdc++ at <paramref name="libStdCxxPath"/> defines <see cref="Version"/>.</summary>
    public static bool ProvidesVersion(string libStdCxxPath) =>
        ((IList<string>)ElfVersionTable.Read(File.ReadAllBytes(libStdCxxPath), libStdCxxPath).Definitions).Contains(Version);

    private static ElfVersionNeed? FindNeed(ElfVersionTable table)
    {
        foreach (var need in table.Needs)
        {
            if (need.Version == Version && need.File.StartsWith("libstdc++", StringComparison.Ordinal))
            {
                return need;
            }
        }

        return null;
    }

    private static void ReplaceFile(string source, string destination)
    {
        // File.Move(..., overwrite) is not in .NET Standard 2.0, which the build-time compile targets.
        // File.Replace is atomic on Unix (rename(2)) and breaks any hard link to the old file.
        File.Replace(source, destination, null);
    }

    private static void CopyUnixMode(string from, string to)
    {
#if NET
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(to, File.GetUnixFileMode(from));
        }
#else
        // .NET Standard has no API for the mode: a new file gets 0644 minus umask, which the
        // loader accepts for shared objects (dlopen needs read, not execute, permission).
        _ = from;
        _ = to;
#endif
    }
}

#if !NET
/// <summary>
/// MSBuild task: marks the GLIBCXX_3.4.32 requirement of the given libLibTorchSharp.so copies weak
/// when they would not load on the build machine (Mode=auto) or always (Mode=true).
/// </summary>
public sealed class PatchLibTorchSharpGlibcxx : Microsoft.Build.Utilities.Task
{
    /// <summary>The libLibTorchSharp.so copies in the output or publish directory.</summary>
    [Microsoft.Build.Framework.Required]
    public Microsoft.Build.Framework.ITaskItem[] Files { get; set; } = Array.Empty<Microsoft.Build.Framework.ITaskItem>();

    /// <summary>auto: only when this machine's libstdc++ lacks the version; true: always; false: never.</summary>
    public string Mode { get; set; } = "auto";

    /// <summary>The libstdc++ to check in auto mode; empty: the one the loader would use.</summary>
    public string LibStdCxxPath { get; set; } = string.Empty;

    /// <summary>The files patched by this run.</summary>
    [Microsoft.Build.Framework.Output]
    public Microsoft.Build.Framework.ITaskItem[] PatchedFiles { get; set; } = Array.Empty<Microsoft.Build.Framework.ITaskItem>();

    /// <inheritdoc />
    public override bool Execute()
    {
        var mode = (Mode ?? "auto").Trim().ToLowerInvariant();
        if (mode == "false" || mode == "never")
        {
            return true;
        }

        if (mode != "auto" && mode != "true" && mode != "always")
        {
            Log.LogError($"ViGoRPatchLibTorchSharp must be auto, true or false, not '{Mode}'.");
            return false;
        }

        var patched = new List<Microsoft.Build.Framework.ITaskItem>();
        foreach (var item in Files)
        {
            var path = item.GetMetadata("FullPath");
            if (!File.Exists(path))
            {
                continue;
            }

            try
            {
                if (mode == "auto")
                {
                    if (!RuntimeInformation.IsOSPlatform(OSPlatform.Linux))
                    {
                        Log.LogMessage(Microsoft.Build.Framework.MessageImportance.Low, $"ViGoR.Torch: not on Linux, leaving {path} as is (set ViGoRPatchLibTorchSharp=true to patch for another machine).");
                        continue;
                    }

                    var libStdCxx = string.IsNullOrEmpty(LibStdCxxPath) ? LibTorchSharpGlibcxxPatch.FindLoaderLibStdCxx(Path.GetDirectoryName(path)) : LibStdCxxPath;
                    if (libStdCxx is null)
                    {
                        Log.LogWarning($"ViGoR.Torch: found no libstdc++.so.6 to check for {LibTorchSharpGlibcxxPatch.Version}; leaving {path} as is. Set ViGoRPatchLibTorchSharp=true to patch anyway.");
                        continue;
                    }

                    if (LibTorchSharpGlibcxxPatch.ProvidesVersion(libStdCxx))
                    {
                        Log.LogMessage(Microsoft.Build.Framework.MessageImportance.Low, $"ViGoR.Torch: {libStdCxx} provides {LibTorchSharpGlibcxxPatch.Version}; {path} loads as is.");
                        continue;
                    }
                }

                var before = LibTorchSharpGlibcxxPatch.Patch(path);
                if (before == GlibcxxPatchState.Strict)
                {
                    Log.LogMessage(Microsoft.Build.Framework.MessageImportance.High, $"ViGoR.Torch: marked the {LibTorchSharpGlibcxxPatch.Version} requirement of {path} weak so it loads with this system's older libstdc++ (see docs/native-glibcxx.md; opt out with ViGoRPatchLibTorchSharp=false).");
                    patched.Add(item);
                }
                else
                {
                    Log.LogMessage(Microsoft.Build.Framework.MessageImportance.Low, $"ViGoR.Torch: {path}: {(before == GlibcxxPatchState.Weak ? "already patched" : "does not require " + LibTorchSharpGlibcxxPatch.Version)}.");
                }
            }
            catch (Exception e) when (e is InvalidDataException || e is IOException || e is UnauthorizedAccessException)
            {
                Log.LogWarning($"ViGoR.Torch: could not patch {path}: {e.Message}");
            }
        }

        PatchedFiles = patched.ToArray();
        return !Log.HasLoggedErrors;
    }
}
#endif
