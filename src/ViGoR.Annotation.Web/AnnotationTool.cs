using Microsoft.Extensions.Logging;
using ViGoR.Nlp;

namespace ViGoR.Annotation.Web;

/// <summary>
/// One annotator's labelling session: the work items, their output store and the progress. Map it
/// onto a web app with <see cref="AnnotationToolEndpoints.MapAnnotationTool"/>; dispose it after the
/// app stops.
/// </summary>
public sealed class AnnotationTool : IDisposable
{
    private readonly Dictionary<string, int> _indexOfId;

    private AnnotationTool(AnnotationToolOptions options, AnnotationLabelStore store, ILogger logger)
    {
        Options = options;
        Store = store;
        Logger = logger;
        ImagesRoot = Path.GetFullPath(options.ImagesDirectory);
        _indexOfId = options.Items.Select((item, i) => (item.Id, i)).ToDictionary(x => x.Id, x => x.i, StringComparer.Ordinal);
    }

    /// <summary>The session's options.</summary>
    public AnnotationToolOptions Options { get; }

    /// <summary>The output file.</summary>
    public AnnotationLabelStore Store { get; }

    internal ILogger Logger { get; }

    internal string ImagesRoot { get; }

    /// <summary>Opens the output (resuming what it holds) for <paramref name="options"/>.</summary>
    /// <exception cref="DirectoryNotFoundException">The images folder does not exist.</exception>
    /// <exception cref="ArgumentException">There is nothing to label, or two items share an id.</exception>
    /// <exception cref="InvalidDataException">The existing output has an invalid line (file, line and field in the message).</exception>
    public static AnnotationTool Open(AnnotationToolOptions options, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(logger);
        if (options.Items.Count == 0)
        {
            throw new ArgumentException("There are no descriptions to label.", nameof(options));
        }

        if (options.Items.Select(i => i.Id).Distinct(StringComparer.Ordinal).Count() != options.Items.Count)
        {
            throw new ArgumentException("Two work items share an id.", nameof(options));
        }

        if (!Directory.Exists(options.ImagesDirectory))
        {
            throw new DirectoryNotFoundException($"Images folder not found: '{options.ImagesDirectory}'.");
        }

        return new AnnotationTool(options, AnnotationLabelStore.Open(options.OutputPath, options.ImagesDirectory, logger), logger);
    }

    /// <summary>Descriptions of the work items that have a label.</summary>
    public int Done => Options.Items.Count(i => Store.Latest(i.Id) is not null);

    /// <summary>The index of the first work item without a label; the item count when all are labelled.</summary>
    public int FirstUnlabelled
    {
        get
        {
            for (var i = 0; i < Options.Items.Count; i++)
            {
                if (Store.Latest(Options.Items[i].Id) is null)
                {
                    return i;
                }
            }

            return Options.Items.Count;
        }
    }

    internal int? IndexOf(string id) => _indexOfId.TryGetValue(id, out var i) ? i : null;

    /// <summary>
    /// The sentences to show for item <paramref name="index"/>: its latest label's spans, or the
    /// project's <see cref="SentenceSplitter"/> for an unlabelled one.
    /// </summary>
    internal IReadOnlyList<AnnotatedSentence> Sentences(int index, AnnotatedDescription? label) =>
        label?.Sentences ?? [.. SentenceSplitter.Split(Options.Items[index].Description).Select(s => new AnnotatedSentence(s.Start, s.End, [], false))];

    /// <inheritdoc />
    public void Dispose() => Store.Dispose();
}
