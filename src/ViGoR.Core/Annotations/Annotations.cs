using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using ViGoR.Evaluation;

namespace ViGoR;

/// <summary>
/// Reads, validates and writes fine-grained reward-model annotations: JSON Lines, one described
/// image a line, with per-sentence error labels (the format and its rules are in docs/annotations.md).
/// </summary>
public static class Annotations
{
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>
    /// Reads and validates an annotations file. Every problem names the file, the line and the
    /// field (<see cref="AnnotationProblem.ToString"/>).
    /// </summary>
    /// <param name="path">The JSON Lines file; named as given in every problem.</param>
    /// <param name="imagesDirectory">When given, each line's image must exist under this folder.</param>
    /// <param name="skipInvalid">
    /// False (default): the first problem throws. True: invalid lines are skipped, all their
    /// problems are returned in <see cref="AnnotationFile.Problems"/>, and the valid lines in
    /// <see cref="AnnotationFile.Descriptions"/>.
    /// </param>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="DirectoryNotFoundException"><paramref name="imagesDirectory"/> does not exist.</exception>
    /// <exception cref="InvalidDataException">A line is invalid and <paramref name="skipInvalid"/> is false; the message is its first problem.</exception>
    public static AnnotationFile Read(string path, string? imagesDirectory = null, bool skipInvalid = false)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        return Parse(File.ReadAllText(path, Encoding.UTF8), path, imagesDirectory, skipInvalid);
    }

    /// <summary>
    /// Validates annotations held in memory, as <see cref="Read"/> does a file;
    /// <paramref name="sourceName"/> stands for the file name in problems.
    /// </summary>
    /// <exception cref="DirectoryNotFoundException"><paramref name="imagesDirectory"/> does not exist.</exception>
    /// <exception cref="InvalidDataException">A line is invalid and <paramref name="skipInvalid"/> is false; the message is its first problem.</exception>
    public static AnnotationFile Parse(string text, string sourceName, string? imagesDirectory = null, bool skipInvalid = false)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentException.ThrowIfNullOrWhiteSpace(sourceName);
        if (imagesDirectory is not null && !Directory.Exists(imagesDirectory))
        {
            throw new DirectoryNotFoundException($"Images folder not found: '{imagesDirectory}'.");
        }

        var problems = new List<AnnotationProblem>();
        var descriptions = new List<AnnotatedDescription>();
        var indexOfId = new Dictionary<string, int>(StringComparer.Ordinal);
        var reader = new AnnotationLineReader(imagesDirectory);
        void StopUnlessSkipping()
        {
            if (!skipInvalid && problems.Count > 0)
            {
                throw new InvalidDataException(problems[0].ToString());
            }
        }

        var lines = JsonLines.Parse(text, sourceName, tolerateTruncatedLastLine: false, (line, reason) =>
        {
            problems.Add(new AnnotationProblem(sourceName, line, string.Empty, reason));
            StopUnlessSkipping();
        });
        foreach (var line in lines)
        {
            if (reader.Read(line, problems) is { } description)
            {
                // A later revision replaces the earlier one where it stood: last write wins, in first-labelled order.
                if (indexOfId.TryGetValue(description.Id, out var index))
                {
                    descriptions[index] = description;
                }
                else
                {
                    indexOfId[description.Id] = descriptions.Count;
                    descriptions.Add(description);
                }
            }

            StopUnlessSkipping();
        }

        return new AnnotationFile(descriptions, problems);
    }

    /// <summary>
    /// Writes <paramref name="descriptions"/> in the annotations format (snake_case, one line each),
    /// replacing the file and creating its folder; <see cref="Read"/> reads it back unchanged.
    /// Optional fields that are null are left out. The descriptions are written as they are, not validated.
    /// </summary>
    public static void Write(string path, IEnumerable<AnnotatedDescription> descriptions)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentNullException.ThrowIfNull(descriptions);
        var folder = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(folder))
        {
            Directory.CreateDirectory(folder);
        }

        using var stream = File.Create(path);
        foreach (var description in descriptions)
        {
            stream.Write(ToJsonLine(description));
        }
    }

    /// <summary>
    /// One description as a line of the annotations format, UTF-8, ending in a line feed: what
    /// <see cref="Write"/> writes for it, for callers that append lines themselves (a labelling tool).
    /// <c>revision</c> is written when it is not 0.
    /// </summary>
    public static byte[] ToJsonLine(AnnotatedDescription description)
    {
        ArgumentNullException.ThrowIfNull(description);
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            WriteLine(writer, description);
        }

        buffer.WriteByte((byte)'\n');
        return buffer.ToArray();
    }

    private static void WriteLine(Utf8JsonWriter writer, AnnotatedDescription description)
    {
        writer.WriteStartObject();
        writer.WriteString("id", description.Id);
        writer.WriteString("image", description.Image);
        writer.WriteString("prompt", description.Prompt);
        writer.WriteString("description", description.Description);
        writer.WriteStartArray("sentences");
        foreach (var sentence in description.Sentences)
        {
            writer.WriteStartObject();
            writer.WriteNumber("start", sentence.Start);
            writer.WriteNumber("end", sentence.End);
            writer.WriteStartArray("errors");
            foreach (var kind in sentence.Errors)
            {
                writer.WriteStringValue(SentenceErrorKindNames.ToName(kind));
            }

            writer.WriteEndArray();
            writer.WriteBoolean("creative", sentence.Creative);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        if (description.Detail is { } detail)
        {
            writer.WriteNumber("detail", detail);
        }

        if (description.Missing is { } missing)
        {
            writer.WriteStartArray("missing");
            foreach (var item in missing)
            {
                writer.WriteStringValue(item);
            }

            writer.WriteEndArray();
        }

        if (description.Revision != 0)
        {
            writer.WriteNumber("revision", description.Revision);
        }

        writer.WriteEndObject();
    }

    /// <summary>
    /// Splits descriptions into training and held-out sets <em>by image</em>: every description of an
    /// image lands on the same side, so no image is both trained on and measured on. Images are
    /// ordered by a stable hash of (seed, image) and the first ceil(fraction × images) are held out
    /// (at least one when the fraction is positive and there are two or more images).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="evalFraction"/> is outside [0, 1).</exception>
    public static (IReadOnlyList<AnnotatedDescription> Train, IReadOnlyList<AnnotatedDescription> Eval) SplitByImage(IReadOnlyList<AnnotatedDescription> descriptions, double evalFraction, int seed = 0)
    {
        ArgumentNullException.ThrowIfNull(descriptions);
        if (evalFraction is < 0 or >= 1 || double.IsNaN(evalFraction))
        {
            throw new ArgumentOutOfRangeException(nameof(evalFraction), evalFraction, "The held-out fraction must be in [0, 1).");
        }

        var images = descriptions.Select(d => d.Image).Distinct(StringComparer.Ordinal)
            .OrderBy(image => RejectionSamplingTrainer.DeriveSeed(seed, image, 0))
            .ThenBy(image => image, StringComparer.Ordinal)
            .ToList();
        int held = images.Count < 2 || evalFraction == 0 ? 0 : Math.Clamp((int)Math.Ceiling(evalFraction * images.Count), 1, images.Count - 1);
        var eval = images.Take(held).ToHashSet(StringComparer.Ordinal);
        return (descriptions.Where(d => !eval.Contains(d.Image)).ToList(), descriptions.Where(d => eval.Contains(d.Image)).ToList());
    }
}
