using System.Globalization;

namespace ViGoR;

/// <summary>What <see cref="JournalShards.Merge"/> made of a job array's chunk journals.</summary>
/// <param name="ScoresPath">The merged scores journal (<see cref="RejectionSamplingTrainer.ScoresFileName"/> in the output folder).</param>
/// <param name="SupervisionPath">The supervision journal selected over all chunks (<see cref="RejectionSamplingTrainer.SupervisionFileName"/> in the output folder).</param>
/// <param name="Scored">The scored records of every chunk, in chunk order: the data set's order.</param>
/// <param name="Selection">The selection over all of them, as written to <paramref name="SupervisionPath"/>.</param>
/// <param name="SupervisionHeader">The supervision journal's header: the chunks' settings and the selection's (<see cref="SelectionSettings"/>).</param>
public sealed record ChunkMergeResult(string ScoresPath, string SupervisionPath, IReadOnlyList<SupervisionRecord> Scored, SelectionResult Selection, JournalHeader SupervisionHeader);

/// <summary>
/// A data set scored by a job array: each process scores one chunk (<see cref="DatasetShards.GetChunk{T}"/>)
/// into its own journal in a shared work folder (<see cref="ScoreChunkAsync"/>), then one process merges the
/// chunk journals and selects over all of them (<see cref="Merge"/>). Since selection normalises over the
/// whole data set, only the merge selects; the result equals one unsharded
/// <see cref="RejectionSamplingTrainer.GenerateSupervisionAsync"/> byte for byte.
/// </summary>
/// <example>
/// <code>
/// // Process I of N (a Slurm array task, a Kubernetes Indexed Job pod):
/// var (count, index, _) = DatasetShards.ResolveChunk(null, null);
/// options.Chunk = new DatasetChunk(index, count);   // recorded in the chunk journal's header
/// await trainer.ScoreChunkAsync(items, work);       // work/scores.chunk-I-of-N.jsonl, resumable
///
/// // Once every chunk is done, in any order:
/// JournalShards.Merge(Directory.GetFiles(work, "scores.chunk-*.jsonl"), Path.Combine(work, "round-0")); // with the selection the chunks recorded
/// </code>
/// </example>
public static class JournalShards
{
    /// <summary>The file name of a chunk's scores journal: <c>scores.chunk-I-of-N.jsonl</c>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The chunk's count is below 1 or its index outside [0, count).</exception>
    public static string ChunkJournalFileName(DatasetChunk chunk)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(chunk.Count, 1, nameof(chunk));
        ArgumentOutOfRangeException.ThrowIfNegative(chunk.Index, nameof(chunk));
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(chunk.Index, chunk.Count, nameof(chunk));
        return string.Create(CultureInfo.InvariantCulture, $"scores.chunk-{chunk.Index}-of-{chunk.Count}.jsonl");
    }

    /// <summary>Where the chunk's scores journal lives in a work folder that the chunks of a job array share.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The chunk is out of range (see <see cref="ChunkJournalFileName"/>).</exception>
    public static string ChunkJournalPath(string workDirectory, DatasetChunk chunk)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(workDirectory);
        return Path.Combine(workDirectory, ChunkJournalFileName(chunk));
    }

    /// <summary>
    /// Scores chunk <see cref="RejectionSamplingOptions.Chunk"/> of <paramref name="items"/> (the whole data
    /// set, in the same order in every process) into <see cref="ChunkJournalPath"/> in
    /// <paramref name="workDirectory"/>, resuming after the records already there. Nothing is selected:
    /// that needs every chunk (<see cref="Merge"/>).
    /// </summary>
    /// <returns>The chunk's scored records, old and new, in order.</returns>
    /// <exception cref="ArgumentException">The trainer's options name no chunk.</exception>
    /// <exception cref="JournalSettingsException">The chunk journal was written with other settings or as another chunk.</exception>
    /// <exception cref="InvalidDataException">The chunk journal is corrupt or belongs to another data set.</exception>
    /// <exception cref="WorkFolderLockedException">Another process is writing this chunk's journal.</exception>
    public static Task<IReadOnlyList<SupervisionRecord>> ScoreChunkAsync(
        this RejectionSamplingTrainer trainer,
        IReadOnlyList<TrainingItem> items,
        string workDirectory,
        IProgress<RejectionSamplingProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(trainer);
        ArgumentNullException.ThrowIfNull(items);
        var chunk = trainer.Options.Chunk
            ?? throw new ArgumentException("The trainer's options name no chunk: set RejectionSamplingOptions.Chunk (e.g. from DatasetShards.ResolveChunk) before scoring one.", nameof(trainer));
        return trainer.ScoreAsync(DatasetShards.GetChunk(items, chunk.Count, chunk.Index), ChunkJournalPath(workDirectory, chunk), 0, progress, cancellationToken);
    }

    /// <summary>
    /// Removes what a run in <paramref name="workDirectory"/> would resume from, so that the next one starts
    /// afresh: with a <paramref name="chunk"/>, that chunk's journal only (the other chunks of the job array
    /// share the folder); without, every round folder (<c>round-N</c>: journals, fine-tuning state and models)
    /// that <see cref="RejectionSamplingTrainer.TrainAsync"/> and
    /// <see cref="RejectionSamplingTrainer.GenerateSupervisionAsync"/> write. Anything else in the folder,
    /// lock files included, stays. Takes the chunk journal's or the folder's lock while it removes; to keep
    /// another process from starting in between, hold that lock across this call and the run.
    /// </summary>
    /// <exception cref="WorkFolderLockedException">Another process is running there.</exception>
    public static void Restart(string workDirectory, DatasetChunk? chunk = null)
    {
        if (chunk is { } c)
        {
            var journal = ChunkJournalPath(workDirectory, c);
            using var writer = WorkFolderLock.ForFile(journal);
            File.Delete(journal);
            return;
        }

        using var folder = WorkFolderLock.ForFolder(workDirectory);
        foreach (var round in Directory.GetDirectories(workDirectory, "round-*"))
        {
            Directory.Delete(round, recursive: true);
        }
    }

    /// <summary>
    /// Joins chunk scores journals into <paramref name="outputDirectory"/>'s
    /// <see cref="RejectionSamplingTrainer.ScoresFileName"/> and selects over all of them into its
    /// <see cref="RejectionSamplingTrainer.SupervisionFileName"/>, with the selection's settings and
    /// statistics in its header. The journals may have any names and come in any order: their headers
    /// say which chunk each is, and every chunk of one count must be there exactly once
    /// (<see cref="SupervisionJournal.Merge"/>). Journals without chunk headers are taken in the order given.
    /// </summary>
    /// <param name="chunkJournals">The chunk scores journals.</param>
    /// <param name="outputDirectory">The folder written (created if needed), locked while it is written.</param>
    /// <param name="combiner">
    /// Ranks the samples. When null: the combiner the chunks' runs were given (their headers record it,
    /// <see cref="SelectionSettings"/>), or <see cref="LinearRewardCombiner"/> with defaults for chunks
    /// that record none.
    /// </param>
    /// <param name="selection">Selection settings. When null: those the chunks' runs were given, or defaults.</param>
    /// <exception cref="WorkFolderLockedException">A chunk journal is still held by the run writing it (it is unfinished), or another process writes <paramref name="outputDirectory"/>; nothing was written.</exception>
    /// <exception cref="JournalSettingsException">Two chunks were scored with different settings, or given different selections.</exception>
    /// <exception cref="InvalidDataException">A chunk is missing, repeated, of another count or unfinished, chunk journals are mixed with others, two chunks hold one image, or the journals have no settings header.</exception>
    public static ChunkMergeResult Merge(IReadOnlyList<string> chunkJournals, string outputDirectory, IRewardCombiner? combiner = null, SelectionOptions? selection = null)
    {
        ArgumentNullException.ThrowIfNull(chunkJournals);
        ArgumentException.ThrowIfNullOrWhiteSpace(outputDirectory);
        if (chunkJournals.Count == 0)
        {
            throw new ArgumentException("No chunk journals to merge.", nameof(chunkJournals));
        }

        // Before anything is read or made: a chunk whose run still holds its journal is not finished
        // (merging it would select over part of it; a run that starts after this check is the
        // scheduler's to prevent), and one writer per output folder.
        foreach (var journal in chunkJournals)
        {
            WorkFolderLock.ThrowIfFileHeld(journal);
        }

        using var writer = WorkFolderLock.ForFolder(outputDirectory);
        var scoresPath = Path.Combine(outputDirectory, RejectionSamplingTrainer.ScoresFileName);
        var (chunkHeader, header, scored) = SupervisionJournal.MergeShards(chunkJournals, scoresPath);
        if (chunkHeader is null || header is null)
        {
            throw new InvalidDataException($"{chunkJournals[0]} has no settings header: it is not a scores journal of this ViGoR version.");
        }

        if (SelectionSettings.TryRead(chunkHeader, out var recordedCombiner, out var recordedSelection))
        {
            combiner ??= recordedCombiner;
            selection ??= recordedSelection;
        }

        combiner ??= new LinearRewardCombiner();
        selection ??= new SelectionOptions();
        var selected = SupervisionSelector.Select(scored, combiner, selection);
        var supervisionPath = Path.Combine(outputDirectory, RejectionSamplingTrainer.SupervisionFileName);
        var supervisionHeader = RejectionSamplingTrainer.SelectionHeader(header, combiner, selection, selected.Statistics);
        SupervisionJournal.WriteAll(supervisionPath, supervisionHeader, selected.Records);
        return new ChunkMergeResult(scoresPath, supervisionPath, scored, selected, supervisionHeader);
    }
}
