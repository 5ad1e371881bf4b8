namespace ViGoR;

/// <summary>
/// Writes down every sentence judgement a reward model makes, in the file format
/// <see cref="RecordedSentenceRewardModel"/> replays (<c>{"image", "sentence", "score", "error",
/// "label_score"}</c>, one per (image, sentence)), so that a reward model's pass over a sample set is
/// paid once however many runs use it. Resumable: a description whose sentences are all in the file
/// already is answered from it without asking the inner model; the others are judged and appended,
/// one flushed write per call (<see cref="JsonLinesAppender"/>).
/// </summary>
/// <remarks>
/// <para>The file starts with a header (kind <see cref="Kind"/>): the inner model's identity as
/// <c>reward_model</c> plus the caller's settings (e.g. which samples are judged, with
/// <see cref="ComponentIdentity.ForPath"/>), and a file written by another model or with other
/// settings is refused, not added to. The output file is locked (<see cref="WorkFolderLock.ForFile"/>)
/// until disposal.</para>
/// <para>A sentence is keyed by its image id and exact text: the first judgement of a text under an image
/// is the one recorded and replayed. Whole-description judgements (<see cref="IDescriptionRewardModel"/>)
/// pass through unrecorded: the format is per sentence. The journal identity is the inner model's.
/// Safe for concurrent callers when the inner model is.</para>
/// </remarks>
public sealed class RecordingSentenceRewardModel : DelegatingSentenceRewardModel, IDisposable
{
    /// <summary>The header kind of a judgements file.</summary>
    public const string Kind = "judgements";

    private readonly Dictionary<(string Image, string Sentence), SentenceJudgement> _judgements = [];
    private readonly Recording _file;

    /// <summary>Records the judgements of <paramref name="innerModel"/> into <paramref name="path"/>, resuming what it holds.</summary>
    /// <param name="innerModel">The reward model judging what the file does not hold yet.</param>
    /// <param name="path">The judgements file; created with its folder when missing.</param>
    /// <param name="settings">What else the judgements depend on, for the header (e.g. <c>samples</c>); null for nothing.</param>
    /// <exception cref="WorkFolderLockedException">Another process is writing the file.</exception>
    /// <exception cref="JournalSettingsException">The file was written by another reward model or with other settings.</exception>
    /// <exception cref="InvalidDataException">The file holds judgements without a header, or a malformed line (named with file and line).</exception>
    public RecordingSentenceRewardModel(ISentenceRewardModel innerModel, string path, IReadOnlyDictionary<string, string>? settings = null)
        : base(innerModel)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var header = new JournalHeader { VigorJournal = Kind, Settings = Settings(innerModel, settings) };
        _file = Recording.Open(path, header, lines => RecordedSentenceRewardModel.Read(lines, _judgements));
    }

    /// <summary>The judgements file.</summary>
    public string Path => _file.Appender.Path;

    /// <summary>How many distinct (image, sentence) judgements the file holds.</summary>
    public int Count => _file.Exclusive(() => _judgements.Count);

    /// <inheritdoc />
    public override async Task<IReadOnlyList<SentenceJudgement>> JudgeAsync(ImageInput image, string prompt, ParsedText description, CancellationToken cancellationToken = default) =>
        (await JudgeBatchAsync([new SentenceRewardRequest(image, prompt, description)], cancellationToken).ConfigureAwait(false))[0];

    /// <summary>
    /// Replays the requests whose sentences the file holds; judges the others in one inner call (a batch
    /// when the inner model batches) and appends their new sentences in one flushed write.
    /// </summary>
    public override Task<IReadOnlyList<IReadOnlyList<SentenceJudgement>>> JudgeBatchAsync(IReadOnlyList<SentenceRewardRequest> requests, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(requests);
        return _file.ExclusiveAsync(JudgeRecordedAsync, cancellationToken);

        async Task<IReadOnlyList<IReadOnlyList<SentenceJudgement>>> JudgeRecordedAsync()
        {
            var missing = requests.Where(r => r.Description.Sentences.Any(s => RecordedSentenceRewardModel.Find(_judgements, r.Image, s.Text) is null)).ToList();
            if (missing.Count > 0)
            {
                var judged = InnerModel.GetService<IBatchSentenceRewardModel>() is { } batch
                    ? await batch.JudgeBatchAsync(missing, cancellationToken).ConfigureAwait(false)
                    : await Delegation.OneByOneAsync(missing, r => InnerModel.JudgeAsync(r.Image, r.Prompt, r.Description, cancellationToken)).ConfigureAwait(false);
                await RecordAsync(missing, judged, cancellationToken).ConfigureAwait(false);
            }

            return requests.Select(r => (IReadOnlyList<SentenceJudgement>)r.Description.Sentences.Select(s => RecordedSentenceRewardModel.Find(_judgements, r.Image, s.Text)!).ToList()).ToList();
        }
    }

    /// <inheritdoc />
    public void Dispose() => _file.Dispose();

    private async Task RecordAsync(List<SentenceRewardRequest> requests, IReadOnlyList<IReadOnlyList<SentenceJudgement>> judged, CancellationToken cancellationToken)
    {
        var lines = new List<byte[]>();
        var added = new Dictionary<(string, string), SentenceJudgement>();
        for (int r = 0; r < requests.Count; r++)
        {
            var (request, judgements) = (requests[r], judged[r]);
            if (judgements.Count != request.Description.Sentences.Count)
            {
                throw new InvalidOperationException($"{ComponentIdentity.Of(InnerModel)} gave {judgements.Count} judgements for {request.Description.Sentences.Count} sentences of image '{request.Image.Id}'.");
            }

            for (int i = 0; i < judgements.Count; i++)
            {
                var key = (request.Image.Id, request.Description.Sentences[i].Text);
                if (RecordedSentenceRewardModel.Find(_judgements, request.Image, key.Text) is null && added.TryAdd(key, judgements[i]))
                {
                    lines.Add(JsonLinesAppender.Line(RecordedSentenceRewardModel.ToLine(key.Id, key.Text, judgements[i])));
                }
            }
        }

        // On the disk before the judgements are answered from memory: what is replayed was recorded.
        await _file.Appender.AppendAsync(lines, CancellationToken.None).ConfigureAwait(false);
        foreach (var (key, judgement) in added)
        {
            _judgements[key] = judgement;
        }
    }

    private static SortedDictionary<string, string> Settings(ISentenceRewardModel innerModel, IReadOnlyDictionary<string, string>? settings)
    {
        var all = new SortedDictionary<string, string>(StringComparer.Ordinal) { ["reward_model"] = ComponentIdentity.Of(innerModel) };
        foreach (var (name, value) in settings ?? new Dictionary<string, string>())
        {
            all[name] = value;
        }

        return all;
    }
}
