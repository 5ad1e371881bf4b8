using System.Globalization;
using System.Text.Json;
using ViGoR.Evaluation;

namespace ViGoR.Annotation.Web;

/// <summary>Reads the descriptions to label, and splits them among annotators.</summary>
public static class AnnotationWorkItems
{
    /// <summary>
    /// Reads recorded samples (the <c>vigor generate</c> format: <c>{"image", "prompt", "samples": [...]}</c>
    /// a line): one work item per sample, with the id <c>&lt;image without extension&gt;-&lt;sample index&gt;</c>.
    /// </summary>
    /// <exception cref="InvalidDataException">A line lacks a field, or two samples would get one id; the message names the file and line.</exception>
    public static IReadOnlyList<AnnotationWorkItem> ReadSamples(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var items = new List<AnnotationWorkItem>();
        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var line in JsonLines.Parse(File.ReadAllText(path), path))
        {
            var image = line.GetString("image");
            var prompt = line.GetString("prompt");
            if (!line.Value.TryGetProperty("samples", out var samples) || samples.ValueKind != JsonValueKind.Array)
            {
                throw new InvalidDataException($"{line.Where}, samples: missing; expected an array of strings.");
            }

            var i = 0;
            foreach (var sample in samples.EnumerateArray())
            {
                var text = sample.ValueKind == JsonValueKind.String ? sample.GetString()! : throw new InvalidDataException($"{line.Where}, samples[{i}]: expected a string.");
                Add(items, ids, new AnnotationWorkItem(ItemId(image, i++), image, prompt, text), line.Where);
            }
        }

        return items;
    }

    /// <summary>
    /// Reads a scores or supervision journal: one work item per non-empty sample of every image that
    /// did not fail, with the detector's and the reward model's signals per sentence for
    /// <see cref="AnnotationToolOptions.Assist"/>. An image given as an absolute path is made relative to
    /// <paramref name="imagesDirectory"/>.
    /// </summary>
    /// <exception cref="InvalidDataException">The journal is unreadable, or two samples would get one id.</exception>
    public static IReadOnlyList<AnnotationWorkItem> ReadJournal(string path, string imagesDirectory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var items = new List<AnnotationWorkItem>();
        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var record in SupervisionJournal.Read(path).Where(r => r.Status != SupervisionStatus.Failed))
        {
            var image = record.Image ?? record.ImageId;
            if (Path.IsPathRooted(image))
            {
                image = Path.GetRelativePath(imagesDirectory, image);
            }

            foreach (var sample in record.Samples.Where(s => s.Text.Length > 0))
            {
                var assist = sample.Sentences.Select(s =>
                {
                    var automatic = AutomaticEvidence.From(s.Signals.GetValueOrDefault(RewardStreams.Automatic));
                    var model = RewardModelEvidence.From(s.Signals.GetValueOrDefault(RewardStreams.RewardModel));
                    return new SentenceAssist(s.Start, s.End, automatic?.Found ?? [], automatic?.Missing ?? [], model?.LabelScore ?? model?.Score, model?.Error is { } e ? SentenceErrorKindNames.ToName(e) : null);
                }).ToList();
                Add(items, ids, new AnnotationWorkItem(ItemId(record.ImageId, sample.Index), image, record.Prompt, sample.Text) { Assist = assist }, $"{path}, image '{record.ImageId}'");
            }
        }

        return items;
    }

    /// <summary>
    /// The share of <paramref name="items"/> annotator <paramref name="annotator"/> (1-based) of
    /// <paramref name="annotators"/> labels: a shared overlap of ceil(<paramref name="overlap"/> × items)
    /// that everyone labels (for agreement), and a disjoint part of the rest. Items are drawn by a
    /// stable hash of their id, so every annotator computes the same split; each share keeps the
    /// items' order.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The annotator is not in 1..annotators, or the overlap is not in [0, 1].</exception>
    public static IReadOnlyList<AnnotationWorkItem> Assign(IReadOnlyList<AnnotationWorkItem> items, int annotator, int annotators, double overlap)
    {
        ArgumentNullException.ThrowIfNull(items);
        ArgumentOutOfRangeException.ThrowIfLessThan(annotators, 1);
        if (annotator < 1 || annotator > annotators)
        {
            throw new ArgumentOutOfRangeException(nameof(annotator), annotator, $"The annotator must be 1 to {annotators}.");
        }

        if (overlap is < 0 or > 1 || double.IsNaN(overlap))
        {
            throw new ArgumentOutOfRangeException(nameof(overlap), overlap, "The overlap must be in [0, 1].");
        }

        var drawn = items.Select((item, index) => (item.Id, index))
            .OrderBy(x => RejectionSamplingTrainer.DeriveSeed(0, x.Id, 0)).ThenBy(x => x.Id, StringComparer.Ordinal)
            .Select(x => x.index).ToList();
        var shared = (int)Math.Ceiling(overlap * items.Count);
        var mine = drawn.Take(shared).Concat(drawn.Skip(shared).Where((_, j) => j % annotators == annotator - 1)).ToHashSet();
        return [.. items.Where((_, index) => mine.Contains(index))];
    }

    /// <summary>Parses "I/N" (1-based), as <c>--assign</c> takes it.</summary>
    /// <exception cref="FormatException">Not two positive integers with I at most N.</exception>
    public static (int Annotator, int Annotators) ParseAssignment(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var parts = text.Split('/');
        if (parts.Length == 2
            && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var i)
            && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var n)
            && i >= 1 && i <= n)
        {
            return (i, n);
        }

        throw new FormatException($"'{text}' is not I/N with 1 <= I <= N (e.g. 2/3: the second of three annotators).");
    }

    private static string ItemId(string image, int sample) => $"{Path.ChangeExtension(image, null)}-{sample}";

    private static void Add(List<AnnotationWorkItem> items, HashSet<string> ids, AnnotationWorkItem item, string where)
    {
        if (!ids.Add(item.Id))
        {
            throw new InvalidDataException($"{where}: the description id '{item.Id}' is given twice.");
        }

        items.Add(item);
    }
}
