namespace ViGoR.Torch.Loading;

/// <summary>
/// A checkpoint does not fit the model: the message lists every missing, unexpected and mis-shaped key
/// (and the properties hold them for programs).
/// </summary>
public sealed class CheckpointLoadException : IOException
{
    /// <summary>Creates the exception.</summary>
    public CheckpointLoadException(string directory, IReadOnlyList<string> missing, IReadOnlyList<string> unexpected, IReadOnlyList<string> misShaped)
        : base(Format(directory, missing, unexpected, misShaped))
    {
        Directory = directory;
        Missing = missing;
        Unexpected = unexpected;
        MisShaped = misShaped;
    }

    /// <summary>The checkpoint folder.</summary>
    public string Directory { get; }

    /// <summary>Model parameters (Hugging Face names) that no checkpoint tensor filled.</summary>
    public IReadOnlyList<string> Missing { get; }

    /// <summary>Checkpoint keys (as stored) that match no parameter.</summary>
    public IReadOnlyList<string> Unexpected { get; }

    /// <summary>"key: checkpoint [shape] vs model [shape]" for tensors of the wrong shape.</summary>
    public IReadOnlyList<string> MisShaped { get; }

    private static string Format(string directory, IReadOnlyList<string> missing, IReadOnlyList<string> unexpected, IReadOnlyList<string> misShaped)
    {
        const int Shown = 25;
        var sb = new System.Text.StringBuilder($"Checkpoint '{directory}' does not match the model:");
        Append("missing", missing);
        Append("unexpected", unexpected);
        Append("mis-shaped", misShaped);
        return sb.ToString();

        void Append(string what, IReadOnlyList<string> keys)
        {
            if (keys.Count == 0)
            {
                return;
            }

            sb.Append($"\n  {keys.Count} {what} key(s): ").Append(string.Join(", ", keys.Take(Shown)));
            if (keys.Count > Shown)
            {
                sb.Append($", ... ({keys.Count - Shown} more)");
            }
        }
    }
}
