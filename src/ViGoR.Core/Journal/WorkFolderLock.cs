using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace ViGoR;

/// <summary>
/// An exclusive operating-system lock on a work folder or an output file, so that two processes
/// never write one journal at once (a resubmitted job-array task while the old one still runs, two
/// terminals on one <c>--work</c> folder). The lock is a file opened with <see cref="FileShare.None"/>:
/// on Linux and macOS .NET takes <c>flock(LOCK_EX | LOCK_NB)</c> on it, on Windows a share-mode
/// lock. The operating system releases it when the process ends, however it ends (a crash or
/// <c>kill -9</c> leaves no stale lock), so the lock file itself may stay behind: its presence means
/// nothing, only a live holder does.
/// </summary>
/// <remarks>
/// <para>Take the lock before reading anything the protected folder or file holds, and hold it until
/// the last write. <see cref="RejectionSamplingTrainer"/> takes it itself (the work folder in
/// <see cref="RejectionSamplingTrainer.TrainAsync"/>, the round folder in
/// <see cref="RejectionSamplingTrainer.GenerateSupervisionAsync"/>, the scores file in
/// <see cref="RejectionSamplingTrainer.ScoreAsync"/>).</para>
/// <para>Within one process the lock is re-entrant: taking a lock the process already holds counts
/// it once more, and the file is unlocked when the last holder is disposed. It keeps other
/// processes out, not other threads of the same process.</para>
/// <para>On a shared file system (NFS) the lock holds across machines only where the file system
/// forwards locks to its server: see docs/journal.md.</para>
/// </remarks>
public sealed class WorkFolderLock : IDisposable
{
    /// <summary>The lock file's name in a locked folder.</summary>
    public const string FolderLockFileName = ".vigor.lock";

    /// <summary>What a lock file's name adds to a locked file's name (<c>judgements.jsonl.lock</c>).</summary>
    public const string FileLockSuffix = ".lock";

    // flock belongs to an open file description, so a second open in this process would fail
    // against the first: the process keeps one stream per lock file and counts its holders.
    private static readonly Dictionary<string, (FileStream Stream, int Holders)> Held = new(StringComparer.Ordinal);

    private readonly string _lockPath;
    private int _disposed;

    private WorkFolderLock(string target, string lockPath)
    {
        Target = target;
        _lockPath = lockPath;
    }

    /// <summary>The locked folder or file (full path).</summary>
    public string Target { get; }

    /// <summary>The lock file (full path).</summary>
    public string LockFile => _lockPath;

    /// <summary>
    /// Locks <paramref name="folder"/> (creating it if needed) through its <see cref="FolderLockFileName"/>.
    /// Does not wait: when another process holds the lock, throws at once.
    /// </summary>
    /// <exception cref="WorkFolderLockedException">Another process holds the lock; the message names the folder and the holder.</exception>
    public static WorkFolderLock ForFolder(string folder)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        var full = Path.GetFullPath(folder);
        Directory.CreateDirectory(full);
        return Acquire(full, Path.Combine(full, FolderLockFileName), "folder");
    }

    /// <summary>
    /// Locks the output file <paramref name="path"/> through a lock file beside it (its name plus
    /// <see cref="FileLockSuffix"/>), creating the folder if needed; the file itself is not touched.
    /// Does not wait: when another process holds the lock, throws at once.
    /// </summary>
    /// <exception cref="WorkFolderLockedException">Another process holds the lock; the message names the file and the holder.</exception>
    public static WorkFolderLock ForFile(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        return Acquire(full, full + FileLockSuffix, "file");
    }

    /// <summary>
    /// Throws when another process holds <paramref name="path"/>'s file lock (<see cref="ForFile"/>), e.g. a
    /// journal whose run is still writing it; otherwise returns at once. Creates and changes nothing, so
    /// it suits inputs (which may sit on a read-only mount); it checks one moment, it does not hold.
    /// </summary>
    /// <exception cref="WorkFolderLockedException">Another process holds the lock; the message names the file and the holder.</exception>
    public static void ThrowIfFileHeld(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var full = Path.GetFullPath(path);
        var lockPath = full + FileLockSuffix;
        lock (Held)
        {
            if (Held.ContainsKey(lockPath) || !File.Exists(lockPath))
            {
                return;
            }

            using var probe = OpenExclusive(full, "file", lockPath, FileMode.Open, FileAccess.Read);
        }
    }

    /// <summary>Opens <paramref name="lockPath"/> with an exclusive lock; a lock another process holds becomes a <see cref="WorkFolderLockedException"/> naming <paramref name="target"/>.</summary>
    private static FileStream OpenExclusive(string target, string kind, string lockPath, FileMode mode, FileAccess access)
    {
        try
        {
            return new FileStream(lockPath, mode, access, FileShare.None);
        }
        catch (IOException e) when (e is not FileNotFoundException and not DirectoryNotFoundException and not PathTooLongException)
        {
            throw new WorkFolderLockedException(target, kind, lockPath, ReadHolder(lockPath), e);
        }
    }

    private static WorkFolderLock Acquire(string target, string lockPath, string kind)
    {
        lock (Held)
        {
            if (Held.TryGetValue(lockPath, out var held))
            {
                Held[lockPath] = (held.Stream, held.Holders + 1);
                return new WorkFolderLock(target, lockPath);
            }

            var stream = OpenExclusive(target, kind, lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite);

            try
            {
                // Who holds it, for the message another process shows. Written after locking, so it
                // is this process's; the holder file is read without the lock (see ReadHolder).
                var holder = Holder();
                stream.SetLength(0);
                stream.Write(Encoding.UTF8.GetBytes(holder));
                stream.Flush(flushToDisk: true);
                WriteHolderFile(lockPath, holder);
            }
            catch
            {
                stream.Dispose();
                throw;
            }

            Held[lockPath] = (stream, 1);
            return new WorkFolderLock(target, lockPath);
        }
    }

    /// <summary>Releases this hold; the file is unlocked when the process's last hold is released.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        lock (Held)
        {
            var (stream, holders) = Held[_lockPath];
            if (holders > 1)
            {
                Held[_lockPath] = (stream, holders - 1);
                return;
            }

            Held.Remove(_lockPath);
            stream.Dispose();
        }
    }

    private static string Holder()
    {
        using var process = Process.GetCurrentProcess();
        var started = process.StartTime.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture);
        return $"process {Environment.ProcessId} on {Environment.MachineName}, started {started}";
    }

    // .NET opens every FileStream on Unix with flock (shared for FileShare.Read/ReadWrite), which the
    // holder's exclusive flock refuses: another process cannot read the lock file itself, so the
    // holder also writes who it is to a side file that nobody locks. It is replaced, never locked,
    // and only a lock holder writes it, so it names the live holder whenever the lock is held.
    private static string HolderFilePath(string lockPath) => lockPath + ".holder";

    private static void WriteHolderFile(string lockPath, string holder)
    {
        var path = HolderFilePath(lockPath);
        var temp = path + "." + Environment.ProcessId.ToString(CultureInfo.InvariantCulture) + ".tmp";
        File.WriteAllText(temp, holder);
        File.Move(temp, path, overwrite: true);
    }

    private static string? ReadHolder(string lockPath)
    {
        foreach (var path in new[] { lockPath, HolderFilePath(lockPath) })
        {
            try
            {
                using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
                using var reader = new StreamReader(stream, Encoding.UTF8);
                var text = reader.ReadToEnd().Trim();
                if (text.Length > 0)
                {
                    return text;
                }
            }
            catch (IOException)
            {
                // Locked (Unix) or gone: try the next source.
            }
            catch (UnauthorizedAccessException)
            {
            }
        }

        return null;
    }
}

/// <summary>Another process holds the lock on a work folder or output file (<see cref="WorkFolderLock"/>).</summary>
public sealed class WorkFolderLockedException : IOException
{
    /// <summary>Creates the exception.</summary>
    public WorkFolderLockedException(string target, string kind, string lockFile, string? holder, Exception? inner = null)
        : base($"The {kind} {target} is in use by another ViGoR process ({holder ?? "holder unknown"}); it holds {lockFile}. Wait for it to finish, stop it, or use another {(kind == "folder" ? "folder" : "output file")}. Nothing was read or written.", inner)
    {
        Target = target;
        LockFile = lockFile;
        Holder = holder;
    }

    /// <summary>The locked folder or file.</summary>
    public string Target { get; }

    /// <summary>The lock file.</summary>
    public string LockFile { get; }

    /// <summary>Who holds the lock (process id, machine, start time), as the holder wrote it; null when unknown.</summary>
    public string? Holder { get; }
}
