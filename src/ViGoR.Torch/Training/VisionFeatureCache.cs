using System.Collections.Concurrent;
using System.Security.Cryptography;
using static TorchSharp.torch;

namespace ViGoR.Torch.Training;

/// <summary>
/// The frozen vision tower's output per image, kept so that fine-tuning runs the tower once per distinct
/// image instead of once per example and step. LLaVA fine-tunes with the tower frozen, so an image's
/// selected hidden states (what the projector reads) never change during a run, nor between runs that
/// start from the same tower: one cache can serve several epochs, several configurations trained from
/// one base, and the reward model's and the policy's training alike.
/// </summary>
/// <remarks>
/// Each image's features are computed alone (a batch of one), so they do not depend on which images
/// happened to share its batch: a run resumed mid-epoch, or with another batch size, reads the same
/// features as an uninterrupted one. Images are keyed by a SHA-256 of their pixels and size, not their
/// id. Entries are float tensors on the CPU, [features per image, vision hidden × layers] each (LLaVA-1.5
/// 7B: 576 × 1024 floats, 2.4 MB an image). The cache is bound to the first tower it reads; using it
/// with a tower whose weights differ throws. Thread-safe.
/// </remarks>
public sealed class VisionFeatureCache : IDisposable
{
    private readonly ConcurrentDictionary<string, Tensor> _entries = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private string? _tower;
    private bool _disposed;

    /// <summary>Creates an empty cache holding at most <paramref name="capacity"/> images.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="capacity"/> is below 1.</exception>
    public VisionFeatureCache(int capacity = 100_000)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        Capacity = capacity;
    }

    /// <summary>At most this many images are kept; past it, features are computed and not kept.</summary>
    public int Capacity { get; }

    /// <summary>Images held.</summary>
    public int Count => _entries.Count;

    /// <summary>How many times the tower ran for an image not in the cache (tests and logs read it).</summary>
    public long Misses { get; private set; }

    /// <summary>
    /// The selected hidden states of each image (features per image, vision hidden), stacked [N, F, H] on
    /// <paramref name="module"/>'s device and dtype, from the cache or computed one image at a time.
    /// </summary>
    /// <exception cref="InvalidOperationException">The cache was filled by a tower with other weights.</exception>
    internal Tensor Get(Modeling.LlavaForConditionalGeneration module, Processing.ClipImageProcessor processor, IReadOnlyList<RgbImage> images)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        using var scope = NewDisposeScope();
        var rows = new Tensor[images.Count];
        for (int i = 0; i < images.Count; i++)
        {
            var key = Key(images[i]);
            if (!_entries.TryGetValue(key, out var cached))
            {
                using (no_grad())
                {
                    using var pixels = processor.Preprocess([images[i]], module.Device);
                    cached = module.VisionFeatures(pixels)[0].to(ScalarType.Float32, CPU).DetachFromDisposeScope();
                }

                lock (_gate)
                {
                    Misses++;
                }

                if (_entries.Count >= Capacity || !_entries.TryAdd(key, cached))
                {
                    rows[i] = cached.to(module.DType, module.Device);
                    cached.Dispose();
                    continue;
                }
            }

            rows[i] = cached.to(module.DType, module.Device);
        }

        return stack(rows).MoveToOuterDisposeScope();
    }

    /// <summary>Frees every cached tensor.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        foreach (var tensor in _entries.Values)
        {
            tensor.Dispose();
        }

        _entries.Clear();
    }

    /// <summary>Binds the cache to <paramref name="module"/>'s tower (a hash of its weights), once per run: a cache that silently served another tower's features would train the projector on the wrong inputs.</summary>
    /// <exception cref="InvalidOperationException">The cache was filled by a tower with other weights.</exception>
    internal void Bind(Modeling.LlavaForConditionalGeneration module)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var tower = TowerFingerprint(module);
        lock (_gate)
        {
            _tower ??= tower;
            if (_tower != tower)
            {
                throw new InvalidOperationException("This VisionFeatureCache holds features of another vision tower (its weights differ); use one cache per frozen tower.");
            }
        }
    }

    private static string TowerFingerprint(Modeling.LlavaForConditionalGeneration module)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        using var noGrad = no_grad();
        foreach (var (name, parameter) in module.VisionTower.named_parameters())
        {
            using var values = parameter.detach().to(ScalarType.Float32, CPU).contiguous();
            sha.AppendData(System.Text.Encoding.UTF8.GetBytes(name));
            sha.AppendData(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.data<float>().ToArray().AsSpan()));
        }

        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }

    private static string Key(RgbImage image)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        sha.AppendData(BitConverter.GetBytes(image.Width));
        sha.AppendData(BitConverter.GetBytes(image.Height));
        sha.AppendData(image.Pixels.Span);
        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }
}
