using System.Security.Cryptography;
using System.Text;

namespace ViGoR;

/// <summary>
/// What a file or a model folder holds, as a SHA-256 for journal headers and settings files, so
/// that a run is not resumed over inputs that changed in place (a judgements file edited, a model
/// folder retrained) while their paths stayed the same.
/// </summary>
public static class ContentFingerprint
{
    /// <summary>Files up to this size are hashed whole; larger ones by their first and last <see cref="EdgeBytes"/>.</summary>
    public const long WholeFileBytes = 64L << 20;

    /// <summary>How much of each end of a file over <see cref="WholeFileBytes"/> is hashed.</summary>
    public const long EdgeBytes = 4L << 20;

    /// <summary>
    /// <c>sha256:</c> and the hex SHA-256 over <paramref name="path"/>'s files in ordinal name order
    /// (a folder: its files, not its subfolders; a file: itself): each file's name and length, then its
    /// content, whole up to 64 MB and otherwise its first and last 4 MB. The ends and the length tell two
    /// trainings of a checkpoint apart without reading 14 GB; an edit in the middle of a file over
    /// 64 MB that keeps its length is not seen. The path itself is not hashed: a folder that moves keeps
    /// its fingerprint.
    /// </summary>
    /// <exception cref="FileNotFoundException">Neither a file nor a folder is at <paramref name="path"/>.</exception>
    public static string Of(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        string[] files = Directory.Exists(path) ? Directory.GetFiles(path) : File.Exists(path) ? [path] : throw new FileNotFoundException($"Cannot fingerprint '{path}': no such file or folder.", path);
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[1 << 20];
        foreach (var file in files.Order(StringComparer.Ordinal))
        {
            using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            sha.AppendData(Encoding.UTF8.GetBytes($"{Path.GetFileName(file)}\0{stream.Length}\0"));
            foreach (var (start, count) in stream.Length <= WholeFileBytes ? [(0L, stream.Length)] : new[] { (0L, EdgeBytes), (stream.Length - EdgeBytes, EdgeBytes) })
            {
                stream.Position = start;
                for (long left = count; left > 0;)
                {
                    int read = stream.Read(buffer, 0, (int)Math.Min(buffer.Length, left));
                    if (read == 0)
                    {
                        break;
                    }

                    sha.AppendData(buffer, 0, read);
                    left -= read;
                }
            }
        }

        return "sha256:" + Convert.ToHexStringLower(sha.GetHashAndReset());
    }
}
