using System.Text;
using System.Text.Json;
using static TorchSharp.torch;

namespace ViGoR.Torch.Tests;

/// <summary>Writes float32 safetensors files for tests that need a corrupted checkpoint.</summary>
internal static class TestSafetensorsFile
{
    public static void Write(string path, IReadOnlyDictionary<string, Tensor> tensors)
    {
        var header = new Dictionary<string, object>();
        var blobs = new List<byte[]>();
        long offset = 0;
        foreach (var (name, t) in tensors.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            var data = t.to(ScalarType.Float32).contiguous().bytes.ToArray();
            header[name] = new { dtype = "F32", shape = t.shape, data_offsets = new[] { offset, offset + data.Length } };
            blobs.Add(data);
            offset += data.Length;
        }

        var json = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(header));
        using var f = File.Create(path);
        f.Write(BitConverter.GetBytes((ulong)json.Length));
        f.Write(json);
        foreach (var b in blobs)
        {
            f.Write(b);
        }
    }
}
