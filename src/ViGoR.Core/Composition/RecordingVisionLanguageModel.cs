namespace ViGoR;

/// <summary>
/// Writes down the descriptions an LVLM samples, one line per image in the format
/// <see cref="RecordedVisionLanguageModel"/> replays (<c>{"image", "prompt", "samples"}</c>), so that
/// sampling a data set is paid once and every later step can run on the recording. Resumable: an image
/// the file holds already is answered from it (its first k samples) without asking the inner model;
/// the others are sampled and appended, one flushed write per call (<see cref="JsonLinesAppender"/>).
/// </summary>
/// <remarks>
/// The file has no header, so that LLaVA's own scripts and <see cref="TrainingDataset.ReadJsonLines"/>
/// read it as they read any samples file; a file that starts with a ViGoR journal header is refused.
/// The output file is locked (<see cref="WorkFolderLock.ForFile"/>) until disposal. An image is keyed
/// by its <see cref="ImageInput.Id"/>. The journal identity is the inner model's. Safe for concurrent
/// callers when the inner model is.
/// </remarks>
public sealed class RecordingVisionLanguageModel : DelegatingVisionLanguageModel, IDisposable
{
    private readonly Dictionary<string, IReadOnlyList<string>> _samples = new(StringComparer.Ordinal);
    private readonly Recording _file;

    /// <summary>Records the samples of <paramref name="innerModel"/> into <paramref name="path"/>, resuming what it holds.</summary>
    /// <exception cref="WorkFolderLockedException">Another process is writing the file.</exception>
    /// <exception cref="InvalidDataException">A complete line is malformed or repeats an image (named with file and line), or the file is a journal.</exception>
    public RecordingVisionLanguageModel(IVisionLanguageModel innerModel, string path)
        : base(innerModel)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        _file = Recording.Open(path, header: null, lines => RecordedVisionLanguageModel.Read(lines, _samples));
    }

    /// <summary>The samples file.</summary>
    public string Path => _file.Appender.Path;

    /// <summary>True when the file ended in a torn line (a write cut short), which was dropped on open: that image is sampled again.</summary>
    public bool HadTornLine => _file.Appender.HadTornLine;

    /// <summary>The ids of the images the file holds.</summary>
    public IReadOnlyCollection<string> RecordedImageIds => _file.Exclusive<IReadOnlyCollection<string>>(() => [.. _samples.Keys]);

    /// <inheritdoc />
    /// <exception cref="InvalidOperationException">The file holds fewer samples of the image than asked for.</exception>
    public override Task<IReadOnlyList<string>> SampleAsync(ImageInput image, string prompt, SamplingOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(image);
        return _file.ExclusiveAsync(SampleRecordedAsync, cancellationToken);

        async Task<IReadOnlyList<string>> SampleRecordedAsync()
        {
            if (RecordedVisionLanguageModel.Find(_samples, image) is not { } recorded)
            {
                recorded = await InnerModel.SampleAsync(image, prompt, options, cancellationToken).ConfigureAwait(false);
                await RecordAsync([(image, prompt, recorded)]).ConfigureAwait(false);
            }

            return RecordedVisionLanguageModel.FirstK(recorded, (options ?? new SamplingOptions()).NumSamples, image, Path);
        }
    }

    /// <summary>
    /// Replays the images the file holds; samples the others in one inner call (a batch when the inner
    /// model batches, each request with its own seed) and appends them in one flushed write.
    /// </summary>
    public override Task<IReadOnlyList<IReadOnlyList<string>>> SampleBatchAsync(IReadOnlyList<SampleRequest> requests, SamplingOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(requests);
        return _file.ExclusiveAsync(SampleBatchRecordedAsync, cancellationToken);

        async Task<IReadOnlyList<IReadOnlyList<string>>> SampleBatchRecordedAsync()
        {
            var missing = requests.Where(r => RecordedVisionLanguageModel.Find(_samples, r.Image) is null).DistinctBy(r => r.Image.Id).ToList();
            if (missing.Count > 0)
            {
                var sampled = InnerModel.GetService<IBatchVisionLanguageModel>() is { } batch
                    ? await batch.SampleBatchAsync(missing, options, cancellationToken).ConfigureAwait(false)
                    : await Delegation.OneByOneAsync(missing, r => InnerModel.SampleAsync(r.Image, r.Prompt, Seeded(options, r.Seed), cancellationToken)).ConfigureAwait(false);
                await RecordAsync([.. missing.Select((r, i) => (r.Image, r.Prompt, sampled[i]))]).ConfigureAwait(false);
            }

            var k = (options ?? new SamplingOptions()).NumSamples;
            return requests.Select(r => RecordedVisionLanguageModel.FirstK(RecordedVisionLanguageModel.Find(_samples, r.Image)!, k, r.Image, Path)).ToList();
        }
    }

    /// <inheritdoc />
    public void Dispose() => _file.Dispose();

    private async Task RecordAsync(IReadOnlyList<(ImageInput Image, string Prompt, IReadOnlyList<string> Samples)> sampled)
    {
        // On the disk before the samples are answered from memory: what is replayed was recorded.
        await _file.Appender.AppendAsync([.. sampled.Select(s => JsonLinesAppender.Line(new SampleLine(s.Image.Id, s.Prompt, s.Samples)))], CancellationToken.None).ConfigureAwait(false);
        foreach (var (image, _, samples) in sampled)
        {
            _samples[image.Id] = samples;
        }
    }

    /// <summary>One line of the recorded-samples format.</summary>
    private sealed record SampleLine(string Image, string Prompt, IReadOnlyList<string> Samples);
}
