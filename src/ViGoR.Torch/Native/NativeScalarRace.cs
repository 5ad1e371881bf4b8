namespace ViGoR.Torch;

/// <summary>
/// A guard against a use-after-free in TorchSharp 0.107: an operator that converts a number to a
/// <see cref="TorchSharp.Scalar"/> implicitly (e.g. <c>a + b</c> is <c>a.add(b, 1)</c>) passes only the
/// scalar's native handle to libtorch, so the garbage collector may finalize the scalar, freeing it,
/// while the native call still reads it. The symptom is a random crash deep in a long loop, "Expected
/// false to be true ... toFloat at c10/core/Scalar.h", on the first tensor operation after a burst of
/// managed allocation (e.g. preparing a batch), when the finalizer thread is busy. Collecting and
/// draining the finalizer queue right before the tensor operations leaves nothing to finalize while
/// they run.
/// </summary>
internal static class NativeScalarRace
{
    /// <summary>Runs a gen-0 collection and waits for its finalizers: call after preparing a batch, before its tensor operations.</summary>
    public static void Quiesce()
    {
        GC.Collect(0, GCCollectionMode.Forced, blocking: true);
        GC.WaitForPendingFinalizers();
    }
}
