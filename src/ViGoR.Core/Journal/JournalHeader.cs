namespace ViGoR;

/// <summary>
/// The first line of a journal: what kind of journal it is and the settings that shaped its
/// records (k, temperature, seed, streams and their thresholds and models...). A journal is only
/// ever resumed or merged with the same settings.
/// </summary>
public sealed record JournalHeader
{
    /// <summary>The kind of a scores journal (<c>scores.jsonl</c>): scored, not yet selected.</summary>
    public const string ScoresKind = "scores";

    /// <summary>The kind of a supervision journal (<c>supervision.jsonl</c>): selected and refined.</summary>
    public const string SupervisionKind = "supervision";

    /// <summary>The journal kind, <see cref="ScoresKind"/> or <see cref="SupervisionKind"/>; the marker that tells a header line from a record.</summary>
    public required string VigorJournal { get; init; }

    /// <summary>The journal format version (2: named reward streams and a header).</summary>
    public int Version { get; init; } = 2;

    /// <summary>The settings that shape the records, as name/value pairs in name order.</summary>
    public IReadOnlyDictionary<string, string> Settings { get; init; } = new SortedDictionary<string, string>(StringComparer.Ordinal);

    /// <summary>
    /// Scores journals of a job array's chunk: which chunk of how many the records are
    /// (<see cref="RejectionSamplingOptions.Chunk"/>), so a merge can check that it has every chunk
    /// once whatever the files are called; null for a whole data set (and for a merged journal).
    /// </summary>
    public DatasetChunk? Chunk { get; init; }

    /// <summary>
    /// Supervision journals: the data-set statistics the images were ranked with. A chunk's scores
    /// journal: the precomputed statistics its run was given to be selected with, if any.
    /// </summary>
    public RewardStatistics? Statistics { get; init; }

    /// <summary>
    /// The settings that differ between this header and <paramref name="other"/>, as readable lines
    /// (<c>temperature: 0.7 in the journal, 1 now</c>); empty when they agree. Two content identities
    /// (<see cref="ComponentIdentity.ForPath"/>, <c>kind:path@sha256:…</c>) agree when their kind and
    /// content agree, wherever the file is: a work folder copied or moved with its inputs still resumes.
    /// </summary>
    public IReadOnlyList<string> Differences(JournalHeader other, string thisName = "in the journal", string otherName = "now")
    {
        ArgumentNullException.ThrowIfNull(other);
        var differences = new List<string>();
        foreach (var key in Settings.Keys.Union(other.Settings.Keys).Order(StringComparer.Ordinal))
        {
            var mine = Settings.GetValueOrDefault(key);
            var theirs = other.Settings.GetValueOrDefault(key);
            if (mine != theirs && !SameContent(mine, theirs))
            {
                differences.Add($"{key}: {mine ?? "(unset)"} {thisName}, {theirs ?? "(unset)"} {otherName}");
            }
        }

        return differences;
    }

    // "kind:/any/path@sha256:hex" (possibly inside a longer setting, e.g. a stream's model list) equal up to the paths.
    private static bool SameContent(string? a, string? b) =>
        a is not null && b is not null && a.Contains("@sha256:", StringComparison.Ordinal) && WithoutPaths(a) == WithoutPaths(b);

    private static string WithoutPaths(string value) =>
        System.Text.RegularExpressions.Regex.Replace(value, @"(?<kind>[A-Za-z][\w.-]*):[^@;,""]*@(?<hash>sha256:[0-9a-f]{64})", "${kind}:@${hash}");
}

/// <summary>A journal was written with other settings than the run that wants to resume or merge it.</summary>
public sealed class JournalSettingsException : InvalidOperationException
{
    /// <summary>Creates the exception.</summary>
    public JournalSettingsException(string path, IReadOnlyList<string> differences)
        : base($"{path} was written with other settings: {string.Join("; ", differences)}. Resume with the journal's settings, or start fresh: remove the journal or use another work directory.")
    {
        Path = path;
        Differences = differences;
    }

    /// <summary>The journal.</summary>
    public string Path { get; }

    /// <summary>Each differing setting.</summary>
    public IReadOnlyList<string> Differences { get; }
}
