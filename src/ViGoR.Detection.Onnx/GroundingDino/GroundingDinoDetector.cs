using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace ViGoR;

/// <summary>
/// Grounding DINO on ONNX Runtime, with the pre- and post-processing of Hugging Face transformers'
/// <c>GroundingDinoProcessor</c>. Loads a Hugging Face / transformers.js export or an export of the
/// original IDEA-Research model (recognised from the graph's inputs and outputs).
/// </summary>
/// <remarks>
/// One <see cref="InferenceSession"/> per detector; safe for concurrent callers. Phrases are
/// lower-cased and joined as "a . b . c ."; lists longer than 256 tokens are split between phrases
/// into several model calls and the detections merged. In a batch each image has its own text row,
/// right-padded to the longest row with attention mask 0, as transformers' processor pads a list of
/// texts. Dispose to release the session.
/// </remarks>
public sealed class GroundingDinoDetector : IBatchGroundingDetector, IComponentIdentity, IDisposable
{
    private readonly InferenceSession _session;
    private readonly ModelSignature _signature;
    private readonly GroundingDinoTokenizer _tokenizer;
    private readonly GroundingDinoImageProcessor _processor;
    private readonly GroundingDinoOptions _options;
    private readonly ILogger _logger;
    private bool _disposed;

    /// <summary>Loads the model folder named by <paramref name="options"/>.</summary>
    /// <exception cref="FileNotFoundException">The folder, the .onnx file or the tokenizer file is missing.</exception>
    /// <exception cref="InvalidDataException">A file is malformed, or the graph is neither export signature (the message lists expected and found inputs and outputs).</exception>
    /// <exception cref="InvalidOperationException">The requested execution provider is unavailable and <see cref="GroundingDinoOptions.RequireExecutionProvider"/> is set.</exception>
    public GroundingDinoDetector(GroundingDinoOptions options, ILogger<GroundingDinoDetector>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Clone();
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        if (_options.MaxBatchSize < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(options), _options.MaxBatchSize, "GroundingDinoOptions.MaxBatchSize must be at least 1.");
        }

        if (_options.MaxTextTokens < 4)
        {
            throw new ArgumentOutOfRangeException(nameof(options), _options.MaxTextTokens, "GroundingDinoOptions.MaxTextTokens must be at least 4.");
        }

        var (modelFile, assets) = ModelFolder.Resolve(_options.ModelPath, _options.ModelFileName);
        ModelFile = modelFile;
        _tokenizer = GroundingDinoTokenizer.Load(assets);
        var preprocessorConfig = Path.Combine(assets, "preprocessor_config.json");
        _processor = File.Exists(preprocessorConfig)
            ? GroundingDinoImageProcessor.Load(preprocessorConfig)
            : GroundingDinoImageProcessor.Default;

        (_session, ExecutionProvider) = SessionFactory.Create(modelFile, _options, _logger);
        try
        {
            _signature = ModelSignature.Detect(_session, modelFile);
        }
        catch
        {
            _session.Dispose();
            throw;
        }

        if (_signature.FixedHeight is { } fh && _signature.FixedWidth is { } fw)
        {
            // A fixed-size export must be fed exactly its size, whatever the preprocessor config says.
            _processor = _processor.WithExactSize(fh, fw);
        }

        _logger.LogInformation(
            "Loaded Grounding DINO {Format} export {Model} on {Provider} (batch {Batch}, image {Size}, tokenizer {Tokenizer}).",
            _signature.Format,
            modelFile,
            ExecutionProvider,
            _signature.FixedBatch?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "dynamic",
            _signature.FixedHeight is null ? "dynamic" : $"{_signature.FixedHeight}x{_signature.FixedWidth}",
            _tokenizer.Source);
    }

    /// <summary>The .onnx file loaded.</summary>
    public string ModelFile { get; }

    /// <inheritdoc />
    public string Identity => ComponentIdentity.ForPath("grounding-dino", ModelFile);

    /// <summary>Which export signature the graph has.</summary>
    public GroundingDinoExportFormat ExportFormat => _signature.Format;

    /// <summary>The execution provider actually in use (after any fallback to the CPU).</summary>
    public GroundingDinoExecutionProvider ExecutionProvider { get; }

    /// <inheritdoc />
    public async Task<IReadOnlyList<Detection>> DetectAsync(
        ImageInput image,
        IReadOnlyList<string> phrases,
        GroundingOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(image);
        var results = await DetectBatchAsync([image], phrases, options, cancellationToken).ConfigureAwait(false);
        return results[0];
    }

    /// <summary>
    /// Detects the same <paramref name="phrases"/> in several images, several images per model call
    /// when the export's batch dimension allows (up to <see cref="GroundingDinoOptions.MaxBatchSize"/>).
    /// </summary>
    /// <returns>One list per image, in the order given.</returns>
    /// <exception cref="ImageDecodeException">An image cannot be decoded.</exception>
    /// <exception cref="ArgumentException">A single phrase is longer than the text input allows.</exception>
    public Task<IReadOnlyList<IReadOnlyList<Detection>>> DetectBatchAsync(
        IReadOnlyList<ImageInput> images,
        IReadOnlyList<string> phrases,
        GroundingOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(phrases);
        return DetectBatchAsync(images.Select(i => new GroundingQuery(i, phrases)).ToList(), options, cancellationToken);
    }

    /// <inheritdoc />
    /// <remarks>
    /// Every (image, text chunk) pair is one row; rows share a model call up to
    /// <see cref="GroundingDinoOptions.MaxBatchSize"/> (images of one size only, unless the export takes
    /// a pixel mask). The text of a call is padded to its longest row: Grounding DINO masks padded text
    /// out of every attention and gives it -inf logits, so a row's text does not depend on its
    /// neighbours. Two differences from asking each image alone remain in a real export: batched
    /// kernels round differently, and an image padded to a larger neighbour (exports with
    /// <c>pixel_mask</c>) is seen with its padding, as transformers batches. Both can move a score that
    /// lies within rounding of a threshold; <see cref="GroundingDinoOptions.MaxBatchSize"/> = 1 avoids them.
    /// </remarks>
    /// <exception cref="ArgumentException">A single phrase is longer than the text input allows.</exception>
    public Task<IReadOnlyList<IReadOnlyList<Detection>>> DetectBatchAsync(
        IReadOnlyList<GroundingQuery> queries,
        GroundingOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(queries);
        ObjectDisposedException.ThrowIf(_disposed, this);
        options ??= new GroundingOptions();
        return Task.Run<IReadOnlyList<IReadOnlyList<Detection>>>(() => Detect(queries, options, cancellationToken), cancellationToken);
    }

    private List<Detection>[] Detect(IReadOnlyList<GroundingQuery> queries, GroundingOptions options, CancellationToken cancellationToken)
    {
        var maxTokens = Math.Min(_options.MaxTextTokens, _signature.FixedTextLength ?? int.MaxValue);
        var plans = queries.Select(q =>
        {
            ArgumentNullException.ThrowIfNull(q, nameof(queries));
            var (texts, originals) = PhraseList.Normalise(q.Phrases);
            return (Chunks: _tokenizer.Plan(texts, maxTokens), Originals: originals);
        }).ToArray();

        // One row per (query, chunk), query-major: a query's chunks stay in order across calls.
        var rows = new List<(int Query, int Chunk)>();
        for (var q = 0; q < plans.Length; q++)
        {
            for (var c = 0; c < plans[q].Chunks.Count; c++)
            {
                rows.Add((q, c));
            }
        }

        // Sizes first, pixels per call: a long image list never holds more than one batch of tensors.
        var originalSizes = new Dictionary<int, (int Width, int Height)>();
        var rowSizes = new (int Height, int Width)[rows.Count];
        for (var r = 0; r < rows.Count; r++)
        {
            var q = rows[r].Query;
            if (!originalSizes.TryGetValue(q, out var size))
            {
                cancellationToken.ThrowIfCancellationRequested();
                var decoded = queries[q].Image.Decode();
                originalSizes[q] = size = (decoded.Width, decoded.Height);
            }

            rowSizes[r] = _processor.OutputSize(size.Height, size.Width);
        }

        var results = queries.Select(_ => new List<Detection>()).ToArray();
        var batchSize = _signature.FixedBatch ?? _options.MaxBatchSize;
        foreach (var group in BatchPlanner.Plan(rowSizes, batchSize, canPad: _signature.HasInput("pixel_mask"), fixedBatch: _signature.FixedBatch is not null))
        {
            var groupRows = group.Rows.Select(r => rows[r]).ToArray();
            var processedByQuery = new Dictionary<int, ProcessedImage>();
            var processed = groupRows.Select(row => processedByQuery.TryGetValue(row.Query, out var p)
                ? p
                : processedByQuery[row.Query] = _processor.Process(queries[row.Query].Image.Decode())).ToArray();
            var chunks = groupRows.Select(row => plans[row.Query].Chunks[row.Chunk]).ToArray();
            cancellationToken.ThrowIfCancellationRequested();
            var stopwatch = Stopwatch.StartNew();
            var (logits, textPositions, boxes) = Run(group, processed, chunks, cancellationToken);
            var perRowLogits = logits.Length / Math.Max(1, group.Slots);
            var perRowBoxes = boxes.Length / Math.Max(1, group.Slots);
            for (var slot = 0; slot < groupRows.Length; slot++)
            {
                var (query, _) = groupRows[slot];
                var chunk = chunks[slot];
                var raw = GroundingDinoPostProcessor.Process(
                    logits.AsSpan(slot * perRowLogits, perRowLogits),
                    boxes.AsSpan(slot * perRowBoxes, perRowBoxes),
                    textPositions,
                    chunk.InputIds,
                    chunk.Spans,
                    options.BoxThreshold,
                    options.TextThreshold,
                    originalSizes[query].Width,
                    originalSizes[query].Height);
                foreach (var r in raw)
                {
                    // Span phrase indices count over the query's whole phrase list, not the chunk.
                    var phrases = r.PhraseIndices.Select(i => plans[query].Originals[i]).ToArray();
                    results[query].Add(new Detection(
                        _tokenizer.Decode(r.LabelTokenIds),
                        phrases.Length > 0 ? phrases[0] : null,
                        r.Score,
                        r.Box)
                    {
                        Queries = phrases,
                    });
                }
            }

            _logger.LogDebug(
                "Grounding DINO call: {Rows} row(s), {Tokens} tokens, {Milliseconds} ms.",
                groupRows.Length,
                chunks.Max(c => c.InputIds.Length),
                stopwatch.ElapsedMilliseconds);
        }

        return results;
    }

    private (float[] Logits, int TextPositions, float[] Boxes) Run(BatchGroup group, ProcessedImage[] processed, TextChunk[] chunks, CancellationToken cancellationToken)
    {
        var batch = group.Slots;
        var (height, width) = (group.Height, group.Width);
        var pixels = new float[batch * 3 * height * width];
        var pixelMask = new long[batch * height * width];
        var plane = height * width;
        for (var slot = 0; slot < batch; slot++)
        {
            // Spare slots of a fixed-size batch repeat the last row; their outputs are dropped.
            var image = processed[Math.Min(slot, processed.Length - 1)];
            var target = pixels.AsSpan(slot * 3 * plane, 3 * plane);
            for (var c = 0; c < 3; c++)
            {
                for (var y = 0; y < image.Height; y++)
                {
                    image.Pixels.AsSpan((c * image.Height * image.Width) + (y * image.Width), image.Width)
                        .CopyTo(target.Slice((c * plane) + (y * width), image.Width));
                }
            }

            for (var y = 0; y < image.Height; y++)
            {
                pixelMask.AsSpan((slot * plane) + (y * width), image.Width).Fill(1);
            }
        }

        // Each row its own text, right-padded with [PAD] (id 0) and attention 0 to the call's length.
        var length = _signature.FixedTextLength ?? chunks.Max(c => c.InputIds.Length);
        var ids = new long[batch * length];
        var attention = new long[batch * length];
        for (var slot = 0; slot < batch; slot++)
        {
            var rowIds = chunks[Math.Min(slot, chunks.Length - 1)].InputIds;
            rowIds.CopyTo(ids, slot * length);
            attention.AsSpan(slot * length, rowIds.Length).Fill(1);
        }

        var names = new List<string>();
        var values = new List<OrtValue>();
        try
        {
            void Add(string name, OrtValue value)
            {
                names.Add(name);
                values.Add(value);
            }

            Add(_signature.ImageInput, OrtValue.CreateTensorValueFromMemory(pixels, [batch, 3, height, width]));
            Add("input_ids", IntTensor("input_ids", ids, [batch, length]));
            Add("attention_mask", IntTensor("attention_mask", attention, [batch, length]));
            if (_signature.HasInput("token_type_ids"))
            {
                Add("token_type_ids", IntTensor("token_type_ids", new long[batch * length], [batch, length]));
            }

            if (_signature.HasInput("pixel_mask"))
            {
                Add("pixel_mask", IntTensor("pixel_mask", pixelMask, [batch, height, width]));
            }

            if (_signature.Format == GroundingDinoExportFormat.IdeaResearch)
            {
                var positions = new long[batch * length];
                var masks = new long[batch * length * length];
                for (var slot = 0; slot < batch; slot++)
                {
                    var (mask, rowPositions) = SubSentenceMask.Build(ids.AsSpan(slot * length, length), _tokenizer.SpecialIds);
                    rowPositions.CopyTo(positions, slot * length);
                    for (var k = 0; k < mask.Length; k++)
                    {
                        masks[(slot * length * length) + k] = mask[k] ? 1L : 0L;
                    }
                }

                Add("position_ids", IntTensor("position_ids", positions, [batch, length]));
                Add("text_token_mask", IntTensor("text_token_mask", masks, [batch, length, length]));
            }

            using var runOptions = new RunOptions();
            using var registration = cancellationToken.Register(() => runOptions.Terminate = true);
            using var outputs = _session.Run(runOptions, names, values, [ModelSignature.LogitsOutput, _signature.BoxesOutput]);
            cancellationToken.ThrowIfCancellationRequested();
            var logitsShape = outputs[0].GetTensorTypeAndShape().Shape;
            var boxesShape = outputs[1].GetTensorTypeAndShape().Shape;
            if (logitsShape.Length != 3 || logitsShape[0] != batch || boxesShape.Length != 3 || boxesShape[0] != batch || boxesShape[2] != 4 || boxesShape[1] != logitsShape[1])
            {
                throw new InvalidDataException($"Model '{ModelFile}' returned logits [{string.Join(",", logitsShape)}] and boxes [{string.Join(",", boxesShape)}]; expected [{batch},Q,T] and [{batch},Q,4].");
            }

            return (outputs[0].GetTensorDataAsSpan<float>().ToArray(), (int)logitsShape[2], outputs[1].GetTensorDataAsSpan<float>().ToArray());
        }
        catch (OnnxRuntimeException) when (cancellationToken.IsCancellationRequested)
        {
            throw new OperationCanceledException(cancellationToken);
        }
        finally
        {
            foreach (var value in values)
            {
                value.Dispose();
            }
        }
    }

    private OrtValue IntTensor(string name, long[] data, long[] shape) => _signature.InputTypes[name] switch
    {
        TensorElementType.Int64 => OrtValue.CreateTensorValueFromMemory(data, shape),
        TensorElementType.Int32 => OrtValue.CreateTensorValueFromMemory(data.Select(v => (int)v).ToArray(), shape),
        TensorElementType.Bool => OrtValue.CreateTensorValueFromMemory(data.Select(v => v != 0).ToArray(), shape),
        var other => throw new InvalidDataException($"Model '{ModelFile}': input '{name}' has element type {other}; expected int64, int32 or bool."),
    };

    /// <inheritdoc />
    public void Dispose()
    {
        if (!_disposed)
        {
            _disposed = true;
            _session.Dispose();
        }
    }
}
