using ViGoR.Torch.Modeling;
using static TorchSharp.torch;

namespace ViGoR.Torch.Generation;

/// <summary>Decoding settings for <see cref="LlavaGenerator"/>.</summary>
public sealed class GenerationSettings
{
    /// <summary>Samples per prompt (k); they share one prefill.</summary>
    public int NumSamples { get; init; } = 1;

    /// <summary>Softmax temperature; 0 = greedy (argmax).</summary>
    public float Temperature { get; init; }

    /// <summary>Nucleus mass in (0, 1]; 1 disables it.</summary>
    public float TopP { get; init; } = 1f;

    /// <summary>Keep only the k most likely tokens before top-p (Hugging Face's <c>top_k</c>, applied after temperature); 0 disables it.</summary>
    public int TopK { get; init; }

    /// <summary>Most tokens generated per sample (the EOS token counts).</summary>
    public int MaxNewTokens { get; init; } = 512;

    /// <summary>Seed of the sampling generator (one per call, so calls are reproducible).</summary>
    public long Seed { get; init; }

    /// <summary>
    /// One seed per prompt: each prompt's rows then draw from their own generator, so a prompt samples
    /// the same text whatever else is in the batch (image-batched supervision relies on it). Null: one
    /// generator seeded with <see cref="Seed"/> for the whole batch.
    /// </summary>
    public IReadOnlyList<long>? Seeds { get; init; }

    /// <summary>Ids that end a sample.</summary>
    public IReadOnlyList<int> EosTokenIds { get; init; } = [2];

    /// <summary>Keep keys/values between steps (true), or recompute the whole sequence each step (for tests and benchmarks).</summary>
    public bool UseCache { get; init; } = true;

    /// <summary>Record the raw float32 logits [rows, vocab] of every step in <see cref="GenerationOutput.StepLogits"/>.</summary>
    public bool RecordLogits { get; init; }
}

/// <summary>What <see cref="LlavaGenerator.Generate"/> produced. Dispose to free recorded logits.</summary>
public sealed class GenerationOutput : IDisposable
{
    internal GenerationOutput(long[][][] tokens, List<Tensor>? stepLogits)
    {
        Tokens = tokens;
        StepLogits = stepLogits;
    }

    /// <summary>Generated ids per prompt, per sample (without EOS).</summary>
    public long[][][] Tokens { get; }

    /// <summary>Raw logits of each step, [prompts × samples, vocab] (row = prompt × k + sample), when recorded.</summary>
    public IReadOnlyList<Tensor>? StepLogits { get; }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var t in StepLogits ?? [])
        {
            t.Dispose();
        }
    }
}

/// <summary>
/// Autoregressive decoding for LLaVA: prompts are left-padded into one batch and prefilled once; the
/// KV cache is then gathered to k rows per prompt and the k samples decode together.
/// </summary>
/// <remarks>Runs synchronously on the calling thread (TorchSharp dispose scopes are thread-static). Not thread-safe per model.</remarks>
public static class LlavaGenerator
{
    /// <summary>Generates <see cref="GenerationSettings.NumSamples"/> continuations of each prompt.</summary>
    /// <param name="model">The model.</param>
    /// <param name="prompts">Token ids per prompt (image tokens marked), e.g. from <c>LlavaTokenizer.EncodePrompt</c>.</param>
    /// <param name="pixelValues">[N, 3, H, W] for the N image tokens across prompts, or null.</param>
    /// <param name="settings">Decoding settings.</param>
    /// <param name="onStep">Called after each decoding step with the number of tokens generated so far.</param>
    /// <param name="cancellationToken">Checked before every step.</param>
    public static GenerationOutput Generate(
        LlavaForConditionalGeneration model,
        IReadOnlyList<long[]> prompts,
        Tensor? pixelValues,
        GenerationSettings settings,
        Action<int>? onStep = null,
        CancellationToken cancellationToken = default) =>
        GenerateCore(model, prompts, pixelValues, imageFeatures: null, settings, onStep, cancellationToken);

    /// <summary>
    /// As <see cref="Generate(LlavaForConditionalGeneration, IReadOnlyList{long[]}, Tensor?, GenerationSettings, Action{int}?, CancellationToken)"/>
    /// with projected <paramref name="imageFeatures"/> [N, features per image, hidden] instead of pixels (the vision tower is not run).
    /// </summary>
    internal static GenerationOutput GenerateFromFeatures(
        LlavaForConditionalGeneration model,
        IReadOnlyList<long[]> prompts,
        Tensor imageFeatures,
        GenerationSettings settings,
        CancellationToken cancellationToken) =>
        GenerateCore(model, prompts, pixelValues: null, imageFeatures, settings, null, cancellationToken);

    private static GenerationOutput GenerateCore(
        LlavaForConditionalGeneration model,
        IReadOnlyList<long[]> prompts,
        Tensor? pixelValues,
        Tensor? imageFeatures,
        GenerationSettings settings,
        Action<int>? onStep,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(prompts);
        ArgumentNullException.ThrowIfNull(settings);
        using var guard = NativeScalarRace.Enter();
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(settings.NumSamples);
        ArgumentOutOfRangeException.ThrowIfNegative(settings.MaxNewTokens);
        if (settings.Temperature < 0 || settings.TopP <= 0 || settings.TopP > 1 || settings.TopK < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(settings), "Temperature must be >= 0, top-p in (0, 1] and top-k >= 0.");
        }

        if (settings.Seeds is { } seeds && seeds.Count != prompts.Count)
        {
            throw new ArgumentException($"{seeds.Count} seeds for {prompts.Count} prompts.", nameof(settings));
        }

        cancellationToken.ThrowIfCancellationRequested();
        using var noGrad = no_grad();
        int k = settings.NumSamples;
        int rows = prompts.Count * k;
        var device = model.Device;
        var lm = model.LanguageModel;
        var gatherIndex = Enumerable.Range(0, prompts.Count).SelectMany(p => Enumerable.Repeat((long)p, k)).ToArray();
        var generated = Enumerable.Range(0, rows).Select(_ => new List<long>()).ToArray();
        var finished = new bool[rows];
        var eos = settings.EosTokenIds.Select(e => (long)e).ToHashSet();
        var stepLogits = settings.RecordLogits ? new List<Tensor>() : null;
        var generators = (settings.Seeds ?? [settings.Seed]).Select(seed => new Generator((ulong)seed, device)).ToArray();

        // active[i] is the original row of position i in the (shrinking) batch: finished rows leave it.
        var active = Enumerable.Range(0, rows).ToArray();

        Tensor logits, mask, nextPosition;
        Tensor? allEmbeds = null, allPositions = null;
        KvCache? cache = null;
        try
        {
            using (var scope = NewDisposeScope())
            {
                using var inputs = imageFeatures is null
                    ? model.BuildInputs(prompts, pixelValues, labels: null, PaddingSide.Left)
                    : model.SpliceInputs(prompts, imageFeatures, labels: null, PaddingSide.Left);
                using var index = tensor(gatherIndex, ScalarType.Int64, device);
                long t = inputs.InputsEmbeds.shape[1];
                Tensor hidden;
                if (settings.UseCache)
                {
                    var prefillCache = KvCache.Allocate(lm.Model.LayerCount, prompts.Count, model.Config.Text.KeyValueHeads, (int)t + settings.MaxNewTokens, model.Config.Text.HeadDimension, device, model.DType);
                    try
                    {
                        hidden = lm.Model.Forward(inputs.InputsEmbeds, inputs.PositionIds, inputs.AttentionMask, prefillCache);
                        // k = 1 decodes in the prefill cache itself; k > 1 copies each row k times.
                        cache = k == 1 ? prefillCache : prefillCache.Gather(gatherIndex);
                    }
                    finally
                    {
                        if (!ReferenceEquals(cache, prefillCache))
                        {
                            prefillCache.Dispose();
                        }
                    }
                }
                else
                {
                    allEmbeds = inputs.InputsEmbeds.index_select(0, index).DetachFromDisposeScope();
                    allPositions = inputs.PositionIds.index_select(0, index).DetachFromDisposeScope();
                    hidden = lm.Model.Forward(inputs.InputsEmbeds, inputs.PositionIds, inputs.AttentionMask, null);
                }

                var last = lm.LmHead(hidden.narrow(1, t - 1, 1).squeeze(1)).to(ScalarType.Float32);
                logits = last.index_select(0, index).DetachFromDisposeScope();
                mask = inputs.AttentionMask.index_select(0, index).DetachFromDisposeScope();
                nextPosition = (inputs.PositionIds.narrow(1, t - 1, 1) + 1).index_select(0, index).DetachFromDisposeScope();
            }

            for (int step = 0; step < settings.MaxNewTokens; step++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                using var scope = NewDisposeScope();
                stepLogits?.Add(Scatter(logits, active, rows).DetachFromDisposeScope());
                var next = SampleRows(logits, active, k, settings, generators);

                // The one host synchronisation of the step: the new ids, to test for EOS.
                var ids = next.cpu().data<long>().ToArray();
                var alive = new List<long>(active.Length);
                for (int i = 0; i < active.Length; i++)
                {
                    if (eos.Contains(ids[i]))
                    {
                        finished[active[i]] = true;
                    }
                    else
                    {
                        generated[active[i]].Add(ids[i]);
                        alive.Add(i);
                    }
                }

                onStep?.Invoke(step + 1);
                if (alive.Count == 0 || step == settings.MaxNewTokens - 1)
                {
                    break;
                }

                if (alive.Count < active.Length)
                {
                    // Finished rows leave the batch: later steps compute only the rows still decoding.
                    var keep = alive.ToArray();
                    using var keepIndex = tensor(keep, ScalarType.Int64, device);
                    next = next.index_select(0, keepIndex);
                    Replace(ref mask, mask.index_select(0, keepIndex));
                    Replace(ref nextPosition, nextPosition.index_select(0, keepIndex));
                    if (cache is not null)
                    {
                        var smaller = cache.Gather(keep);
                        cache.Dispose();
                        cache = smaller;
                    }
                    else
                    {
                        Replace(ref allEmbeds!, allEmbeds!.index_select(0, keepIndex));
                        Replace(ref allPositions!, allPositions!.index_select(0, keepIndex));
                    }

                    active = keep.Select(i => active[i]).ToArray();
                }

                int live = active.Length;
                var embeds = lm.Model.Embed(next.view(live, 1));
                Replace(ref mask, cat([mask, ones([live, 1], ScalarType.Int64, device)], 1));
                Tensor h;
                if (cache is not null)
                {
                    h = lm.Model.Forward(embeds, nextPosition, mask, cache);
                }
                else
                {
                    Replace(ref allEmbeds!, cat([allEmbeds!, embeds], 1));
                    Replace(ref allPositions!, cat([allPositions!, nextPosition], 1));
                    var full = lm.Model.Forward(allEmbeds, allPositions, mask, null);
                    h = full.narrow(1, full.shape[1] - 1, 1);
                }

                Replace(ref logits, lm.LmHead(h.squeeze(1)).to(ScalarType.Float32));
                Replace(ref nextPosition, nextPosition + 1);
            }

            logits.Dispose();
            mask.Dispose();
            nextPosition.Dispose();
        }
        finally
        {
            cache?.Dispose();
            allEmbeds?.Dispose();
            allPositions?.Dispose();
            foreach (var g in generators)
            {
                g.Dispose();
            }
        }

        var tokens = Enumerable.Range(0, prompts.Count)
            .Select(p => Enumerable.Range(0, k).Select(s => generated[(p * k) + s].ToArray()).ToArray())
            .ToArray();
        return new GenerationOutput(tokens, stepLogits);
    }

    /// <summary>
    /// The next token of every active row; with one generator per prompt, each prompt's rows draw from
    /// their own generator, in row order, so a prompt's draws do not depend on the rest of the batch.
    /// </summary>
    private static Tensor SampleRows(Tensor logits, int[] active, int k, GenerationSettings settings, Generator[] generators)
    {
        if (settings.Temperature == 0f || generators.Length == 1)
        {
            return Sample(logits, settings, generators[0]);
        }

        var next = empty(active.Length, ScalarType.Int64, logits.device);
        foreach (var group in Enumerable.Range(0, active.Length).GroupBy(i => active[i] / k))
        {
            using var positions = tensor(group.Select(i => (long)i).ToArray(), ScalarType.Int64, logits.device);
            next.index_copy_(0, positions, Sample(logits.index_select(0, positions), settings, generators[group.Key]));
        }

        return next;
    }

    /// <summary>The active rows' logits laid out as the full batch (finished rows zero), so recorded step logits keep one row per sample.</summary>
    private static Tensor Scatter(Tensor logits, int[] active, int rows)
    {
        if (active.Length == rows)
        {
            return logits.clone();
        }

        var full = zeros(rows, logits.shape[1], logits.dtype, logits.device);
        using var index = tensor(active.Select(r => (long)r).ToArray(), ScalarType.Int64, logits.device);
        return full.index_copy_(0, index, logits);
    }

    /// <summary>
    /// Next token per row: argmax when temperature is 0; otherwise logits / temperature, then Hugging
    /// Face's top-k filter (keep the k largest), then its top-p filter (drop the lowest-probability
    /// tokens whose cumulative mass is at most 1 - top_p, always keeping the most likely), then one
    /// multinomial draw from <paramref name="generator"/>.
    /// </summary>
    internal static Tensor Sample(Tensor logits, GenerationSettings settings, Generator generator)
    {
        if (settings.Temperature == 0f)
        {
            return logits.argmax(-1);
        }

        var scaled = logits / settings.Temperature;
        if (settings.TopK > 0 && settings.TopK < scaled.shape[^1])
        {
            var kth = scaled.topk(settings.TopK, dim: -1).values.narrow(-1, settings.TopK - 1, 1);
            scaled = scaled.masked_fill(scaled.lt(kth), float.NegativeInfinity);
        }

        if (settings.TopP < 1f)
        {
            var (sorted, order) = scaled.sort(-1, descending: false);
            var cumulative = sorted.softmax(-1).cumsum(-1);
            var remove = cumulative.le(1 - settings.TopP);
            // Keep at least the most likely token (the last one in ascending order).
            remove.narrow(-1, remove.shape[^1] - 1, 1).fill_(false);
            var removeOriginal = zeros_like(remove).scatter(-1, order, remove);
            scaled = scaled.masked_fill(removeOriginal, float.NegativeInfinity);
        }

        var probs = scaled.softmax(-1);
        return multinomial(probs, 1, replacement: false, generator: generator).squeeze(-1);
    }

    private static void Replace(ref Tensor field, Tensor value)
    {
        var old = field;
        field = value.DetachFromDisposeScope();
        old.Dispose();
    }
}
