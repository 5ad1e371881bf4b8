using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using ViGoR.Evaluation;

namespace ViGoR;

/// <summary>
/// Preference pairs from a supervision journal (<see cref="FromRecords"/>), and the pairs file that
/// keeps them with their reference log-probabilities (<see cref="Write"/>, <see cref="Read"/>): a
/// header line (<see cref="JournalHeader"/>, kind <see cref="FileKind"/>) and one JSON object a pair.
/// </summary>
public static class PreferencePairs
{
    /// <summary>The <see cref="JournalHeader.VigorJournal"/> of a pairs file.</summary>
    public const string FileKind = "preference_pairs";

    /// <summary>
    /// One pair per record that yields one under <paramref name="pairing"/> (see <see cref="PreferencePairing"/>),
    /// in record order. Only records with status <see cref="SupervisionStatus.Ok"/> and a target take part.
    /// </summary>
    /// <param name="records">A supervision journal's records (selected, not merely scored).</param>
    /// <param name="pairing">How a record becomes a pair.</param>
    /// <param name="image">The image of a record (e.g. from the data set by <see cref="SupervisionRecord.ImageId"/>).</param>
    public static IReadOnlyList<PreferencePair> FromRecords(IEnumerable<SupervisionRecord> records, PreferencePairing pairing, Func<SupervisionRecord, ImageInput> image)
    {
        ArgumentNullException.ThrowIfNull(records);
        ArgumentNullException.ThrowIfNull(image);
        var pairs = new List<PreferencePair>();
        foreach (var record in records)
        {
            if (record.Status == SupervisionStatus.Scored)
            {
                throw new InvalidDataException($"Record of image '{record.ImageId}' is scored but not selected: build pairs from a supervision journal, not a scores journal.");
            }

            if (record.Status != SupervisionStatus.Ok || string.IsNullOrWhiteSpace(record.Target) || record.Chosen is not { } chosen)
            {
                continue;
            }

            var pair = pairing switch
            {
                PreferencePairing.BestVersusWorst => BestVersusWorst(record),
                PreferencePairing.SentenceLevel => SentenceLevel(record, record.Samples[chosen]),
                _ => throw new ArgumentOutOfRangeException(nameof(pairing), pairing, null),
            };
            if (pair is { } p)
            {
                pairs.Add(new PreferencePair(image(record), record.Prompt, record.Target, p.Rejected, p.Weight) { Source = record.ImageId });
            }
        }

        if (pairing == PreferencePairing.SentenceLevel && pairs.Count > 0)
        {
            // Severity weights keep their ratios but average 1, so the learning rate means what it means for unweighted pairs.
            var mean = pairs.Average(p => p.Weight);
            pairs = pairs.Select(p => p with { Weight = mean > 0 ? p.Weight / mean : 1 }).ToList();
        }

        return pairs;
    }

    private static (string Rejected, double Weight)? BestVersusWorst(SupervisionRecord record)
    {
        var ranked = record.Samples.Where(s => s.Rank is not null).OrderBy(s => s.Rank).ToList();
        if (ranked.Count < 2 || !(ranked[^1].CombinedPenalty > ranked[0].CombinedPenalty) || ranked[^1].Text == record.Target)
        {
            return null; // nothing to prefer: one candidate, or all equally penalised
        }

        return (ranked[^1].Text, 1);
    }

    private static (string Rejected, double Weight)? SentenceLevel(SupervisionRecord record, SampleRecord chosen)
    {
        if (record.Dropped.Count == 0 || chosen.Text == record.Target)
        {
            return null;
        }

        double weight = 0;
        foreach (var dropped in record.Dropped)
        {
            if (dropped.SentenceIndex < 0 || dropped.SentenceIndex >= chosen.Sentences.Count)
            {
                throw new InvalidDataException($"Record of image '{record.ImageId}': dropped sentence {dropped.SentenceIndex} is not a sentence of the chosen sample ({chosen.Sentences.Count} sentences).");
            }

            // Each stream's penalty over its spread, as the combiner ranks samples; streams in name order for a stable sum.
            foreach (var (name, signal) in chosen.Sentences[dropped.SentenceIndex].Signals.OrderBy(s => s.Key, StringComparer.Ordinal))
            {
                var spread = record.Statistics?.Streams.GetValueOrDefault(name)?.Penalty.StandardDeviation ?? 1;
                weight += signal.Penalty / (spread > 0 && double.IsFinite(spread) ? spread : 1);
            }
        }

        // A sentence dropped by a stream that gave no penalty still marks a difference worth learning.
        return (chosen.Text, Math.Max(weight, 1e-3));
    }

    /// <summary>
    /// The header of a pairs file: what its pairs and reference log-probabilities were made from, which
    /// <see cref="WithReferenceAsync"/> checks before reusing them.
    /// </summary>
    /// <param name="supervisionPath">The supervision journal the pairs were built from (recorded by content).</param>
    /// <param name="pairing">How they were built.</param>
    /// <param name="reference">Which model computed the reference log-probabilities, in the caller's words (e.g. "initial model", a model's identity).</param>
    public static JournalHeader Header(string supervisionPath, PreferencePairing pairing, string reference) => new()
    {
        VigorJournal = FileKind,
        Settings = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["supervision"] = ContentFingerprint.Of(supervisionPath),
            ["pairing"] = pairing.ToString(),
            ["reference"] = reference,
        },
    };

    /// <summary>Writes <paramref name="pairs"/> (with whatever reference log-probabilities they have) to a temporary file and renames it into place.</summary>
    /// <param name="path">The pairs file.</param>
    /// <param name="header">What the pairs were built from (supervision, reference model, pairing), checked by <see cref="Read"/>'s callers on resume.</param>
    /// <param name="pairs">The pairs; each image is written as its <see cref="ImageInput.Id"/>.</param>
    public static void Write(string path, JournalHeader header, IReadOnlyList<PreferencePair> pairs)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentNullException.ThrowIfNull(header);
        ArgumentNullException.ThrowIfNull(pairs);
        var folder = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(folder))
        {
            Directory.CreateDirectory(folder);
        }

        var temp = path + ".tmp";
        using (var output = new FileStream(temp, FileMode.Create, FileAccess.Write))
        {
            output.Write(JsonSerializer.SerializeToUtf8Bytes(header with { VigorJournal = FileKind }, JournalJson.Options));
            output.WriteByte((byte)'\n');
            foreach (var pair in pairs)
            {
                output.Write(JsonSerializer.SerializeToUtf8Bytes(PairLine.Of(pair), JournalJson.Options));
                output.WriteByte((byte)'\n');
            }

            output.Flush(flushToDisk: true);
        }

        File.Move(temp, path, overwrite: true);
    }

    /// <summary>Reads a pairs file <see cref="Write"/> wrote.</summary>
    /// <param name="path">The file.</param>
    /// <param name="image">The image of a pair from its image id.</param>
    /// <exception cref="InvalidDataException">The file is not a pairs file, or a line is malformed (the message names the line).</exception>
    public static (JournalHeader Header, IReadOnlyList<PreferencePair> Pairs) Read(string path, Func<string, ImageInput> image)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentNullException.ThrowIfNull(image);
        JournalHeader? header = null;
        var pairs = new List<PreferencePair>();
        foreach (var line in JsonLines.Parse(File.ReadAllText(path), path))
        {
            if (header is null)
            {
                header = Deserialize<JournalHeader>(line, path);
                if (header.VigorJournal != FileKind)
                {
                    throw new InvalidDataException($"{line.Where}: not a preference pairs file (its header says '{header.VigorJournal}', expected '{FileKind}').");
                }

                continue;
            }

            var entry = Deserialize<PairLine>(line, path);
            if (entry.Id is null || entry.Prompt is null || entry.Chosen is null || entry.Rejected is null)
            {
                throw new InvalidDataException($"{line.Where}: a pair needs id, prompt, chosen and rejected.");
            }

            if (!(entry.Weight >= 0) || !double.IsFinite(entry.Weight))
            {
                throw new InvalidDataException($"{line.Where}: weight must be a finite number >= 0, not {entry.Weight.ToString(CultureInfo.InvariantCulture)}.");
            }

            pairs.Add(new PreferencePair(image(entry.Id), entry.Prompt, entry.Chosen, entry.Rejected, entry.Weight)
            {
                Source = entry.Id,
                ReferenceChosenLogProb = entry.ReferenceChosenLogp,
                ReferenceRejectedLogProb = entry.ReferenceRejectedLogp,
                ChosenTokens = entry.ChosenTokens,
                RejectedTokens = entry.RejectedTokens,
            });
        }

        return (header ?? throw new InvalidDataException($"{path}: empty, expected a preference pairs header line."), pairs);
    }

    /// <summary>
    /// The pairs with reference log-probabilities, computed once by <paramref name="model"/> (the model
    /// training starts from) and kept in <paramref name="path"/>: when the file is there, written under the
    /// same <paramref name="header"/> for the same pairs, its stored values are used and the model is not run.
    /// </summary>
    /// <exception cref="JournalSettingsException">The file was written under another header (another supervision, model or pairing).</exception>
    /// <exception cref="InvalidDataException">The file holds other pairs than <paramref name="pairs"/> (the message names the first that differs).</exception>
    public static async Task<IReadOnlyList<PreferencePair>> WithReferenceAsync(
        IPreferenceTunableVisionLanguageModel model,
        IReadOnlyList<PreferencePair> pairs,
        string path,
        JournalHeader header,
        int batchSize = 8,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(pairs);
        ArgumentNullException.ThrowIfNull(header);
        if (File.Exists(path))
        {
            var byId = pairs.ToDictionary(p => p.Source ?? p.Image.Id, StringComparer.Ordinal);
            var (stored, storedPairs) = Read(path, id => byId.TryGetValue(id, out var p) ? p.Image : ImageInput.FromId(id));
            var differences = stored.Differences(header with { VigorJournal = FileKind }, "in the pairs file", "now");
            if (differences.Count > 0)
            {
                throw new JournalSettingsException(path, differences);
            }

            for (int i = 0; i < Math.Max(pairs.Count, storedPairs.Count); i++)
            {
                var mine = i < pairs.Count ? pairs[i] : null;
                var theirs = i < storedPairs.Count ? storedPairs[i] : null;
                if (mine is null || theirs is null || (mine.Source ?? mine.Image.Id) != theirs.Source || mine.Prompt != theirs.Prompt || mine.Chosen != theirs.Chosen || mine.Rejected != theirs.Rejected || mine.Weight != theirs.Weight || !theirs.HasReference)
                {
                    throw new InvalidDataException($"{path}: pair {i + 1} ('{theirs?.Source ?? mine?.Source ?? "none"}') differs from the pairs built now: the file belongs to other supervision. Remove it to compute the reference afresh.");
                }
            }

            return storedPairs.Select((p, i) => p with { Image = pairs[i].Image }).ToList();
        }

        var computed = await model.ComputeReferenceLogProbsAsync(pairs, batchSize, cancellationToken).ConfigureAwait(false);
        Write(path, header, computed);
        return computed;
    }

    private static T Deserialize<T>(JsonLine line, string path)
    {
        try
        {
            return line.Value.Deserialize<T>(JournalJson.Options) ?? throw new JsonException("null");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{line.Where}: {e.Message}", e);
        }
    }

    private sealed record PairLine
    {
        public string? Id { get; init; }

        public string? Prompt { get; init; }

        public string? Chosen { get; init; }

        public string? Rejected { get; init; }

        public double Weight { get; init; } = 1;

        [JsonPropertyName("reference_chosen_logp")]
        public double? ReferenceChosenLogp { get; init; }

        [JsonPropertyName("reference_rejected_logp")]
        public double? ReferenceRejectedLogp { get; init; }

        public int? ChosenTokens { get; init; }

        public int? RejectedTokens { get; init; }

        public static PairLine Of(PreferencePair pair) => new()
        {
            Id = pair.Source ?? pair.Image.Id,
            Prompt = pair.Prompt,
            Chosen = pair.Chosen,
            Rejected = pair.Rejected,
            Weight = pair.Weight,
            ReferenceChosenLogp = pair.ReferenceChosenLogProb,
            ReferenceRejectedLogp = pair.ReferenceRejectedLogProb,
            ChosenTokens = pair.ChosenTokens,
            RejectedTokens = pair.RejectedTokens,
        };
    }
}
