namespace ViGoR;

/// <summary>An image could not be read or decoded. The message names the file or id.</summary>
public sealed class ImageDecodeException : Exception
{
    /// <summary>Creates the exception for <paramref name="source"/>.</summary>
    public ImageDecodeException(string source, string message, Exception? inner = null)
        : base(message, inner) => Source = source;

    /// <summary>The file path or image id that failed.</summary>
    public new string Source { get; }
}
