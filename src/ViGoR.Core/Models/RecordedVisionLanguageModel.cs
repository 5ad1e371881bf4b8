using System.Text.Json;
using ViGoR.Evaluation;

namespace ViGoR;

/// <summary>
/// An <see cref="IVisionLanguageModel"/> that replays descriptions sampled earlier — by
/// <c>vigor generate</c>, by LLaVA's own scripts, or shipped as a demo — so the reward, selection
/// and refinement steps can run (and be re-run with other settings) without the model.
/// </summary>
/// <remarks>
/// Reads JSON Lines of <c>{"image": ..., "samples": ["...", ...]}</c> (the <c>vigor generate</c>
/// format; <c>image_id</c> or <c>id</c> also name the image). An image is matched by its
/// <see cref="ImageInput.Id"/>, or by the file name of the recorded image. Sampling options other
/// than <see cref="SamplingOptions.NumSamples"/> do not apply: the first k recorded samples are
/// returned, always the same. Thread-safe after construction.
/// </remarks>
public sealed class RecordedVisionLanguageModel : IVisionLanguageModel, IComponentIdentity
{
    private readonly Dictionary<string, IReadOnlyList<string>> _samples;
    private readonly string _source;

    /// <summary>Replays <paramref name="samplesByImage"/> (image id to samples).</summary>
    public RecordedVisionLanguageModel(IReadOnlyDictionary<string, IReadOnlyList<string>> samplesByImage, string source = "recorded samples")
    {
        ArgumentNullException.ThrowIfNull(samplesByImage);
        _samples = new Dictionary<string, IReadOnlyList<string>>(samplesByImage, StringComparer.Ordinal);
        _source = source;
    }

    /// <inheritdoc />
    /// <remarks>The samples file's full path (or the source name given for in-memory samples).</remarks>
    public string Identity => File.Exists(_source) ? ComponentIdentity.ForPath("recorded-samples", _source) : $"recorded-samples:{_source}";

    /// <summary>The image ids that have recorded samples.</summary>
    public IReadOnlyCollection<string> ImageIds => _samples.Keys;

    /// <summary>Reads a recorded-samples file.</summary>
    /// <exception cref="InvalidDataException">A line is malformed or repeats an image; the message names the file and line.</exception>
    public static RecordedVisionLanguageModel Load(string path)
    {
        using var reader = new StreamReader(path);
        return Load(reader, path);
    }

    /// <summary>Reads recorded samples from <paramref name="reader"/>; <paramref name="sourceName"/> names it in errors.</summary>
    /// <exception cref="InvalidDataException">A line is malformed or repeats an image.</exception>
    public static RecordedVisionLanguageModel Load(TextReader reader, string sourceName)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var samples = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        Read(JsonLines.Parse(reader.ReadToEnd(), sourceName), samples);
        return new RecordedVisionLanguageModel(samples, sourceName);
    }

    /// <summary>Adds the samples of <paramref name="lines"/> (the recorded-samples format) to <paramref name="samples"/>, keyed by image id.</summary>
    /// <exception cref="InvalidDataException">A line is malformed or repeats an image.</exception>
    internal static void Read(IEnumerable<JsonLine> lines, Dictionary<string, IReadOnlyList<string>> samples)
    {
        foreach (var line in lines)
        {
            var image = (line.Value.ValueKind == JsonValueKind.Object ? ReadId(line.Value) : null)
                ?? throw new InvalidDataException($"{line.Where}: needs 'image', 'image_id' or 'id'.");
            if (!line.Value.TryGetProperty("samples", out var array) || array.ValueKind != JsonValueKind.Array)
            {
                throw new InvalidDataException($"{line.Where}: needs a 'samples' array of strings.");
            }

            var texts = array.EnumerateArray()
                .Select(e => e.ValueKind == JsonValueKind.String ? e.GetString()! : throw new InvalidDataException($"{line.Where}: 'samples' must hold strings only."))
                .ToList();
            if (!samples.TryAdd(image, texts))
            {
                throw new InvalidDataException($"{line.Where}: image '{image}' is recorded twice.");
            }
        }
    }

    /// <inheritdoc />
    /// <exception cref="KeyNotFoundException">No samples are recorded for the image.</exception>
    /// <exception cref="InvalidOperationException">Fewer samples are recorded than asked for.</exception>
    public Task<IReadOnlyList<string>> SampleAsync(ImageInput image, string prompt, SamplingOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(image);
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(FirstK(Recorded(image), (options ?? new SamplingOptions()).NumSamples, image, _source));
    }

    /// <summary>Every sample recorded for <paramref name="image"/> (looked up by id, then by file name).</summary>
    /// <exception cref="KeyNotFoundException">No samples are recorded for the image.</exception>
    public IReadOnlyList<string> Recorded(ImageInput image) =>
        Find(_samples, image) ?? throw new KeyNotFoundException($"No recorded samples for image '{image.Id}' in {_source}.");

    /// <summary>The samples recorded for <paramref name="image"/> in <paramref name="samples"/> (by id, then by file name), or null.</summary>
    internal static IReadOnlyList<string>? Find(IReadOnlyDictionary<string, IReadOnlyList<string>> samples, ImageInput image)
    {
        ArgumentNullException.ThrowIfNull(image);
        return samples.TryGetValue(image.Id, out var recorded)
            || (image.Path is not null && samples.TryGetValue(Path.GetFileName(image.Path), out recorded))
            ? recorded
            : null;
    }

    /// <summary>The first <paramref name="k"/> of <paramref name="recorded"/>, the samples of <paramref name="image"/> in <paramref name="source"/>.</summary>
    /// <exception cref="InvalidOperationException">Fewer samples are recorded than asked for.</exception>
    internal static IReadOnlyList<string> FirstK(IReadOnlyList<string> recorded, int k, ImageInput image, string source) =>
        recorded.Count < k
            ? throw new InvalidOperationException($"{source} has {recorded.Count} samples for image '{image.Id}'; {k} were asked for.")
            : recorded.Take(k).ToList();

    private static string? ReadId(JsonElement root)
    {
        foreach (var name in (ReadOnlySpan<string>)["image", "image_id", "id"])
        {
            if (root.TryGetProperty(name, out var value))
            {
                return value.ValueKind switch
                {
                    JsonValueKind.String => Path.GetFileName(value.GetString()),
                    JsonValueKind.Number => value.GetRawText(),
                    _ => null,
                };
            }
        }

        return null;
    }
}
