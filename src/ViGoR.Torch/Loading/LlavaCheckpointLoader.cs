using System.Collections;
using System.Text.Json;
using TorchSharp.PyBridge;
using ViGoR.Torch.Modeling;
using static TorchSharp.torch;

namespace ViGoR.Torch.Loading;

/// <summary>
/// Loads checkpoint tensors into an already built <see cref="LlavaForConditionalGeneration"/>, file by
/// file (and, for safetensors, in slices of at most <see cref="SliceBytes"/>), converting each tensor
/// to the parameter's dtype and device as it is copied in. Peak memory is the model plus one slice.
/// </summary>
public static class LlavaCheckpointLoader
{
    /// <summary>Upper bound on checkpoint bytes held in memory at once while loading safetensors.</summary>
    public const long SliceBytes = 256L << 20;

    private static readonly string[] IgnoredSuffixes = ["rotary_emb.inv_freq", "embeddings.position_ids"];
    private static readonly string[] ClipIgnoredPrefixes = ["text_model.", "visual_projection.", "text_projection.", "logit_scale"];

    /// <summary>
    /// The weight files of a Hugging Face-style folder: the shards listed by
    /// <c>model.safetensors.index.json</c> / <c>pytorch_model.bin.index.json</c>, else
    /// <c>model.safetensors</c> / <c>pytorch_model.bin</c>, else every <c>*.safetensors</c>.
    /// </summary>
    /// <exception cref="FileNotFoundException">No weights in the folder, or an index names a missing shard.</exception>
    public static IReadOnlyList<string> FindWeightFiles(string directory)
    {
        foreach (var index in new[] { "model.safetensors.index.json", "pytorch_model.bin.index.json" })
        {
            var indexPath = Path.Combine(directory, index);
            if (File.Exists(indexPath))
            {
                using var doc = Tokenization.LlavaTokenizer.ParseJson(indexPath); // a truncated index names itself
                if (!doc.RootElement.TryGetProperty("weight_map", out var map) || map.ValueKind != JsonValueKind.Object)
                {
                    throw new InvalidDataException($"{indexPath}: no weight_map object.");
                }

                var files = map.EnumerateObject().Select(p => p.Value.GetString()!).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)
                    .Select(f => Path.Combine(directory, f)).ToList();
                var absent = files.Where(f => !File.Exists(f)).ToList();
                if (absent.Count > 0)
                {
                    throw new FileNotFoundException($"{indexPath} lists shard(s) that do not exist: {string.Join(", ", absent.Select(Path.GetFileName))}.");
                }

                return files;
            }
        }

        foreach (var single in new[] { "model.safetensors", "pytorch_model.bin" })
        {
            var p = Path.Combine(directory, single);
            if (File.Exists(p))
            {
                return [p];
            }
        }

        var any = Directory.Exists(directory) ? Directory.GetFiles(directory, "*.safetensors").Order(StringComparer.Ordinal).ToList() : [];
        return any.Count > 0
            ? any
            : throw new FileNotFoundException($"'{directory}' holds no weights (model.safetensors[.index.json], pytorch_model.bin[.index.json] or *.safetensors).");
    }

    /// <summary>
    /// Fills every parameter of <paramref name="model"/> from <paramref name="directory"/> and, for
    /// original LLaVA, the CLIP tower from <paramref name="visionTowerDirectory"/>.
    /// </summary>
    /// <exception cref="CheckpointLoadException">Keys are missing, unexpected or mis-shaped (all are listed).</exception>
    public static void Load(LlavaForConditionalGeneration model, string directory, string? visionTowerDirectory, IProgress<string>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        var parameters = model.named_parameters().ToDictionary(p => p.name, p => (Tensor)p.parameter, StringComparer.Ordinal);
        var filled = new HashSet<string>(StringComparer.Ordinal);
        var unexpected = new List<string>();
        var misShaped = new List<string>();
        var misShapedNames = new HashSet<string>(StringComparer.Ordinal);
        var layout = model.Config.Layout;
        bool tied = model.Config.Text.TieWordEmbeddings;

        void Sink(string file, string key, Tensor source)
        {
            string? name = Map(key, layout, clip: false);
            if (name is null || (tied && name == "language_model.lm_head.weight"))
            {
                return;
            }

            Copy(file, key, name, source);
        }

        void Copy(string file, string key, string name, Tensor source)
        {
            if (!parameters.TryGetValue(name, out var target))
            {
                unexpected.Add(key);
                return;
            }

            if (!source.shape.SequenceEqual(target.shape))
            {
                misShapedNames.Add(name);
                misShaped.Add($"{key} ({Path.GetFileName(file)}): checkpoint [{string.Join(", ", source.shape)}] vs model [{string.Join(", ", target.shape)}]");
                return;
            }

            using (no_grad())
            {
                target.copy_(source);
            }

            filled.Add(name);
        }

        foreach (var file in FindWeightFiles(directory))
        {
            cancellationToken.ThrowIfCancellationRequested();
            progress?.Report($"Loading {Path.GetFileName(file)}");
            ReadFile(file, Sink, cancellationToken);
        }

        if (layout == LlavaCheckpointLayout.OriginalLlava && visionTowerDirectory is not null)
        {
            foreach (var file in FindWeightFiles(visionTowerDirectory))
            {
                cancellationToken.ThrowIfCancellationRequested();
                progress?.Report($"Loading vision tower {Path.GetFileName(file)}");
                ReadFile(file, (f, key, t) =>
                {
                    var name = Map(key, layout, clip: true);
                    // The LLaVA checkpoint's own copy of the tower (if any) wins over the CLIP folder.
                    if (name is not null && !filled.Contains(name))
                    {
                        Copy(f, key, name, t);
                    }
                }, cancellationToken);
            }
        }

        var missing = parameters.Keys.Where(k => !filled.Contains(k) && !misShapedNames.Contains(k)).ToList();
        if (missing.Count > 0 || unexpected.Count > 0 || misShaped.Count > 0)
        {
            throw new CheckpointLoadException(directory, missing, unexpected, misShaped);
        }
    }

    /// <summary>
    /// The model parameter name for checkpoint key <paramref name="key"/>, or null for keys that are
    /// deliberately skipped (rotary inv_freq, position_ids buffers, CLIP text tower).
    /// </summary>
    public static string? Map(string key, LlavaCheckpointLayout layout, bool clip)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (IgnoredSuffixes.Any(s => key.EndsWith(s, StringComparison.Ordinal)))
        {
            return null;
        }

        if (clip)
        {
            return ClipIgnoredPrefixes.Any(p => key.StartsWith(p, StringComparison.Ordinal)) ? null
                : key.StartsWith("vision_model.", StringComparison.Ordinal) ? "vision_tower." + key
                : key;
        }

        if (layout == LlavaCheckpointLayout.OriginalLlava)
        {
            return Replace(key, "model.mm_projector.0.", "multi_modal_projector.linear_1.")
                ?? Replace(key, "model.mm_projector.2.", "multi_modal_projector.linear_2.")
                ?? Replace(key, "model.mm_projector.", "multi_modal_projector.linear_1.")
                ?? Replace(key, "model.vision_tower.vision_tower.", "vision_tower.")
                ?? Replace(key, "model.", "language_model.model.")
                ?? Replace(key, "lm_head.", "language_model.lm_head.")
                ?? key;
        }

        return Replace(key, "model.vision_tower.", "vision_tower.")
            ?? Replace(key, "model.multi_modal_projector.", "multi_modal_projector.")
            ?? Replace(key, "model.language_model.", "language_model.model.")
            ?? Replace(key, "lm_head.", "language_model.lm_head.")
            ?? key;
    }

    private static string? Replace(string key, string prefix, string with) =>
        key.StartsWith(prefix, StringComparison.Ordinal) ? with + key[prefix.Length..] : null;

    private static void ReadFile(string file, Action<string, string, Tensor> sink, CancellationToken cancellationToken)
    {
        if (file.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase))
        {
            ReadSafetensors(file, sink, cancellationToken);
            return;
        }

        Hashtable table;
        try
        {
            table = PyTorchUnpickler.UnpickleStateDict(file);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw new InvalidDataException($"{file}: not a readable PyTorch state_dict ({e.Message}).", e);
        }

        try
        {
            foreach (DictionaryEntry entry in table)
            {
                if (entry.Value is Tensor t)
                {
                    sink(file, (string)entry.Key, t);
                }
            }
        }
        finally
        {
            foreach (DictionaryEntry entry in table)
            {
                (entry.Value as Tensor)?.Dispose();
            }
        }
    }

    /// <summary>
    /// Calls <paramref name="sink"/> with every tensor of a safetensors file, reading at most
    /// <see cref="SliceBytes"/> at a time; each tensor is disposed after its call (copy what you keep).
    /// </summary>
    /// <exception cref="InvalidDataException">The file is not valid safetensors.</exception>
    internal static void ForEachTensor(string file, Action<string, Tensor> sink, CancellationToken cancellationToken) =>
        ReadSafetensors(file, (_, key, tensor) => sink(key, tensor), cancellationToken);

    private static void ReadSafetensors(string file, Action<string, string, Tensor> sink, CancellationToken cancellationToken)
    {
        Dictionary<string, long> sizes;
        try
        {
            using var stream = File.OpenRead(file);
            sizes = ReadSafetensorsSizes(stream);
        }
        catch (Exception e) when (e is JsonException or EndOfStreamException or ArgumentException or InvalidOperationException or KeyNotFoundException or FormatException)
        {
            throw new InvalidDataException($"{file}: not a valid safetensors file ({e.Message}).", e);
        }
        catch (Exception e) when (e is InvalidDataException && !e.Message.Contains(file, StringComparison.Ordinal))
        {
            throw new InvalidDataException($"{file}: {e.Message}", e);
        }

        var slice = new List<string>();
        long bytes = 0;
        foreach (var (key, size) in sizes)
        {
            if (slice.Count > 0 && bytes + size > SliceBytes)
            {
                Flush();
            }

            slice.Add(key);
            bytes += size;
        }

        Flush();

        void Flush()
        {
            if (slice.Count == 0)
            {
                return;
            }

            cancellationToken.ThrowIfCancellationRequested();
            Dictionary<string, Tensor> tensors;
            try
            {
                tensors = Safetensors.LoadStateDict(file, slice);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // The header was checked against the file's length; this is what the reader found beyond it.
                throw new InvalidDataException($"{file}: cannot read tensor{(slice.Count > 1 ? "s" : string.Empty)} {string.Join(", ", slice.Take(3).Select(k => $"'{k}'"))}{(slice.Count > 3 ? $" (and {slice.Count - 3} more)" : string.Empty)}: {e.Message}", e);
            }

            try
            {
                foreach (var (key, t) in tensors)
                {
                    sink(file, key, t);
                }
            }
            finally
            {
                foreach (var t in tensors.Values)
                {
                    t.Dispose();
                }
            }

            slice = [];
            bytes = 0;
        }
    }

    /// <summary>
    /// Tensor names and byte sizes from a safetensors header (8-byte little-endian length, then JSON),
    /// checked against the file's length, so that a truncated file is reported with the first tensor it
    /// cuts rather than as a read past the end of a stream.
    /// </summary>
    private static Dictionary<string, long> ReadSafetensorsSizes(FileStream stream)
    {
        var fileLength = stream.Length;
        if (fileLength < 8)
        {
            throw new InvalidDataException($"truncated: {fileLength} bytes, shorter than the 8-byte header length");
        }

        Span<byte> lengthBytes = stackalloc byte[8];
        stream.ReadExactly(lengthBytes);
        ulong length = BitConverter.ToUInt64(lengthBytes);
        if (length > 100_000_000)
        {
            throw new ArgumentException($"header length {length} is implausible");
        }

        if (8 + (long)length > fileLength)
        {
            throw new InvalidDataException($"truncated in the header: it announces {length} bytes of JSON header, the file has {fileLength - 8} after the length");
        }

        var header = new byte[length];
        stream.ReadExactly(header);
        using var doc = JsonDocument.Parse(header);
        var sizes = new Dictionary<string, long>(StringComparer.Ordinal);
        var dataLength = fileLength - 8 - (long)length;
        foreach (var p in doc.RootElement.EnumerateObject().OrderBy(p => p.Name == "__metadata__" ? 0 : p.Value.GetProperty("data_offsets")[1].GetInt64()))
        {
            if (p.Name == "__metadata__")
            {
                continue;
            }

            var offsets = p.Value.GetProperty("data_offsets");
            var (start, end) = (offsets[0].GetInt64(), offsets[1].GetInt64());
            if (start < 0 || end < start)
            {
                throw new InvalidDataException($"tensor '{p.Name}' has data offsets [{start}, {end}]");
            }

            if (end > dataLength)
            {
                throw new InvalidDataException($"truncated: tensor '{p.Name}' needs data bytes {start}..{end}, but the file holds {dataLength} bytes of data ({end - dataLength} missing)");
            }

            sizes[p.Name] = end - start;
        }

        return sizes;
    }
}
