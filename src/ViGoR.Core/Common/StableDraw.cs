namespace ViGoR;

/// <summary>
/// Reproducible pseudo-random draws keyed by text, for simulated noise that must be the same in
/// every process and on every machine (string.GetHashCode is randomised per process).
/// </summary>
public static class StableDraw
{
    /// <summary>A uniform draw in [0, 1) that depends only on <paramref name="key"/> (FNV-1a, then a 64-bit finaliser).</summary>
    public static double Uniform(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        ulong hash = 14695981039346656037UL;
        foreach (var c in key)
        {
            hash = (hash ^ c) * 1099511628211UL;
        }

        hash ^= hash >> 33;
        hash *= 0xff51afd7ed558ccdUL;
        hash ^= hash >> 33;
        return (hash >> 11) * (1.0 / (1UL << 53));
    }
}
