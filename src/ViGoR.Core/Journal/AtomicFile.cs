namespace ViGoR;

/// <summary>Whole-file writes that readers see complete or not at all.</summary>
internal static class AtomicFile
{
    /// <summary>
    /// Creates <paramref name="path"/>'s folder if needed, lets <paramref name="write"/> fill a temporary
    /// file beside it, flushes it to disk and renames it into place, so readers see the old file or the
    /// new one, never a part.
    /// </summary>
    public static void Write(string path, Action<Stream> write)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var folder = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(folder))
        {
            Directory.CreateDirectory(folder);
        }

        var temp = path + ".tmp";
        using (var output = new FileStream(temp, FileMode.Create, FileAccess.Write))
        {
            write(output);
            output.Flush(flushToDisk: true);
        }

        File.Move(temp, path, overwrite: true);
    }
}
