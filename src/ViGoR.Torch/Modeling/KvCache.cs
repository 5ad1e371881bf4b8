using static TorchSharp.torch;

namespace ViGoR.Torch.Modeling;

/// <summary>
/// Keys and values of every decoder layer, preallocated to a fixed capacity so that decoding writes
/// in place instead of concatenating (one allocation per generation, not per token).
/// </summary>
/// <remarks>
/// The tensors live outside every dispose scope; dispose the cache when generation ends. Not thread-safe.
/// Shape per layer: [batch, key/value heads, capacity, head dim].
/// </remarks>
public sealed class KvCache : IDisposable
{
    private readonly Tensor[] _keys;
    private readonly Tensor[] _values;

    private KvCache(Tensor[] keys, Tensor[] values, int length)
    {
        _keys = keys;
        _values = values;
        Length = length;
    }

    /// <summary>Positions filled so far.</summary>
    public int Length { get; private set; }

    /// <summary>Positions that fit.</summary>
    public int Capacity => (int)_keys[0].shape[2];

    /// <summary>Rows (sequences) in the cache.</summary>
    public long BatchSize => _keys[0].shape[0];

    /// <summary>An empty cache.</summary>
    public static KvCache Allocate(int layers, long batch, long kvHeads, int capacity, long headDim, Device device, ScalarType dtype)
    {
        var keys = new Tensor[layers];
        var values = new Tensor[layers];
        for (int i = 0; i < layers; i++)
        {
            // Uninitialised: only the filled prefix [0, Length) is ever read.
            keys[i] = empty([batch, kvHeads, capacity, headDim], dtype, device).DetachFromDisposeScope();
            values[i] = empty([batch, kvHeads, capacity, headDim], dtype, device).DetachFromDisposeScope();
        }

        return new KvCache(keys, values, 0);
    }

    /// <summary>
    /// Writes <paramref name="key"/>/<paramref name="value"/> ([B, Hkv, T, D]) after the filled part of
    /// <paramref name="layer"/> and returns views of everything filled so far including them. Call
    /// <see cref="Advance"/> once all layers have been updated.
    /// </summary>
    internal (Tensor Keys, Tensor Values) Update(int layer, Tensor key, Tensor value)
    {
        long t = key.shape[2];
        if (Length + t > Capacity)
        {
            throw new InvalidOperationException($"KV cache full: {Length} + {t} positions exceed its capacity {Capacity}.");
        }

        using (var k = _keys[layer].narrow(2, Length, t))
        {
            k.copy_(key);
        }

        using (var v = _values[layer].narrow(2, Length, t))
        {
            v.copy_(value);
        }

        return (_keys[layer].narrow(2, 0, Length + t), _values[layer].narrow(2, 0, Length + t));
    }

    /// <summary>Marks <paramref name="positions"/> more positions as filled.</summary>
    internal void Advance(int positions) => Length += positions;

    /// <summary>
    /// A new cache whose row r is this cache's row <paramref name="rows"/>[r] (e.g. each prompt row
    /// repeated k times to decode k samples after one prefill).
    /// </summary>
    public KvCache Gather(long[] rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        using var scope = NewDisposeScope();
        using var index = tensor(rows, ScalarType.Int64, _keys[0].device);
        return new KvCache(_keys.Select(Copy).ToArray(), _values.Select(Copy).ToArray(), Length);

        // Copies only the filled prefix; the rest of the new buffer stays uninitialised.
        Tensor Copy(Tensor source)
        {
            var shape = source.shape;
            shape[0] = rows.Length;
            var target = empty(shape, source.dtype, source.device).DetachFromDisposeScope();
            if (Length > 0)
            {
                target.narrow(2, 0, Length).copy_(source.narrow(2, 0, Length).index_select(0, index));
            }

            return target;
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var t in _keys.Concat(_values))
        {
            t.Dispose();
        }
    }
}
