using System.Text;
using System.Text.Json;
using static TorchSharp.torch;

namespace ViGoR.Torch.Training;

/// <summary>
/// Writes safetensors files (8-byte little-endian header length, JSON header with dtype, shape and
/// data offsets per tensor plus <c>__metadata__ {"format": "pt"}</c> as Hugging Face writes it, then the
/// raw little-endian data) one tensor at a time, so a shard never needs a second copy in memory.
/// Every file is written to a temporary name and renamed into place.
/// </summary>
internal static class SafetensorsWriter
{
    /// <summary>Shard size bound: 5 GB, the default <c>max_shard_size</c> of Hugging Face's <c>save_pretrained</c>.</summary>
    public const long DefaultMaxShardBytes = 5_000_000_000;

    private static readonly JsonSerializerOptions IndentedJson = new() { WriteIndented = true };

    /// <summary>Writes <paramref name="tensors"/> (in the given order) to <paramref name="path"/> atomically.</summary>
    public static void Write(string path, IReadOnlyList<KeyValuePair<string, Tensor>> tensors, CancellationToken cancellationToken = default)
    {
        var temp = path + ".tmp";
        try
        {
            using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20))
            {
                var header = Header(tensors);
                stream.Write(BitConverter.GetBytes((ulong)header.Length));
                stream.Write(header);
                foreach (var (_, tensor) in tensors)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    using var scope = NewDisposeScope();
                    var cpu = tensor.detach().to(CPU).contiguous();
                    stream.Write(cpu.bytes);
                }

                stream.Flush(flushToDisk: true);
            }

            File.Move(temp, path, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp))
            {
                File.Delete(temp);
            }
        }
    }

    /// <summary>
    /// Writes a Hugging Face model's weights into <paramref name="directory"/>: <c>model.safetensors</c>, or,
    /// above <paramref name="maxShardBytes"/>, <c>model-0000i-of-0000n.safetensors</c> shards and
    /// <c>model.safetensors.index.json</c> (<c>metadata.total_size</c>, <c>weight_map</c>).
    /// </summary>
    /// <returns>The names of the files written.</returns>
    public static IReadOnlyList<string> WriteModel(string directory, IReadOnlyList<KeyValuePair<string, Tensor>> tensors, long maxShardBytes = DefaultMaxShardBytes, CancellationToken cancellationToken = default)
    {
        var shards = new List<List<KeyValuePair<string, Tensor>>> { new() };
        long current = 0, total = 0;
        foreach (var pair in tensors)
        {
            var bytes = pair.Value.NumberOfElements * pair.Value.ElementSize;
            if (current > 0 && current + bytes > maxShardBytes)
            {
                shards.Add([]);
                current = 0;
            }

            shards[^1].Add(pair);
            current += bytes;
            total += bytes;
        }

        if (shards.Count == 1)
        {
            Write(Path.Combine(directory, "model.safetensors"), shards[0], cancellationToken);
            return ["model.safetensors"];
        }

        var weightMap = new SortedDictionary<string, string>(StringComparer.Ordinal);
        for (int i = 0; i < shards.Count; i++)
        {
            var name = $"model-{i + 1:D5}-of-{shards.Count:D5}.safetensors";
            Write(Path.Combine(directory, name), shards[i], cancellationToken);
            foreach (var (key, _) in shards[i])
            {
                weightMap[key] = name;
            }
        }

        var index = JsonSerializer.Serialize(new { metadata = new { total_size = total }, weight_map = weightMap }, IndentedJson);
        AtomicFile.WriteAllText(Path.Combine(directory, "model.safetensors.index.json"), index);
        return [.. weightMap.Values.Distinct(StringComparer.Ordinal), "model.safetensors.index.json"];
    }

    private static byte[] Header(IReadOnlyList<KeyValuePair<string, Tensor>> tensors)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteStartObject("__metadata__");
            json.WriteString("format", "pt");
            json.WriteEndObject();
            long offset = 0;
            foreach (var (name, tensor) in tensors)
            {
                var bytes = tensor.NumberOfElements * tensor.ElementSize;
                json.WriteStartObject(name);
                json.WriteString("dtype", DType(tensor.dtype, name));
                json.WriteStartArray("shape");
                foreach (var d in tensor.shape)
                {
                    json.WriteNumberValue(d);
                }

                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                json.WriteNumberValue(offset + bytes);
                json.WriteEndArray();
                json.WriteEndObject();
                offset += bytes;
            }

            json.WriteEndObject();
        }

        // The header is padded with spaces to a multiple of 8 bytes, as the reference writer does, so data stays aligned.
        var header = buffer.ToArray();
        var padded = (header.Length + 7) / 8 * 8;
        return padded == header.Length ? header : [.. header, .. Encoding.ASCII.GetBytes(new string(' ', padded - header.Length))];
    }

    private static string DType(ScalarType type, string name) => type switch
    {
        ScalarType.Float32 => "F32",
        ScalarType.Float16 => "F16",
        ScalarType.BFloat16 => "BF16",
        ScalarType.Float64 => "F64",
        ScalarType.Int64 => "I64",
        ScalarType.Int32 => "I32",
        ScalarType.Int16 => "I16",
        ScalarType.Int8 => "I8",
        ScalarType.Byte => "U8",
        ScalarType.Bool => "BOOL",
        _ => throw new NotSupportedException($"Tensor '{name}' has dtype {type}, which safetensors cannot store."),
    };
}

/// <summary>Small files written to a temporary name and renamed into place, so readers never see half a file.</summary>
internal static class AtomicFile
{
    public static void WriteAllText(string path, string contents)
    {
        var temp = path + ".tmp";
        File.WriteAllText(temp, contents);
        File.Move(temp, path, overwrite: true);
    }

    public static void Copy(string source, string destination)
    {
        var temp = destination + ".tmp";
        File.Copy(source, temp, overwrite: true);
        File.Move(temp, destination, overwrite: true);
    }
}
