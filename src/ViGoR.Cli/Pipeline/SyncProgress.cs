namespace ViGoR.Cli.Pipeline;

/// <summary>Reports synchronously on the reporting thread (unlike <see cref="Progress{T}"/>), so a display follows the work step by step.</summary>
internal sealed class SyncProgress<T>(Action<T> report) : IProgress<T>
{
    public void Report(T value) => report(value);
}
