namespace ViGoR.Torch;

/// <summary>
/// A guard against a use-after-free in TorchSharp 0.107: an operation that converts a number to a
/// <see cref="TorchSharp.Scalar"/> implicitly (<c>a + b</c> is <c>a.add(b, 1)</c>; <c>x + 1e-5</c>)
/// passes only the scalar's native handle to libtorch, so the garbage collector may finalize the scalar,
/// freeing it, while the native call still reads it. The symptom is a random crash deep in a long loop,
/// "Expected false to be true ... toFloat at c10/core/Scalar.h" (seen in the CLIP stage's embedding add,
/// and in generation's RMSNorm), on an operation shortly after a collection.
/// </summary>
/// <remarks>
/// <see cref="Enter"/> drains the finalizer queue and then asks the runtime for a region without
/// collections for the step's managed allocations (tensor wrappers, scalars: kilobytes to a few
/// megabytes), so nothing is finalized while the step's native calls run. Regions are process-wide;
/// nested and concurrent guards share one, counted. When a step allocates more than the budget the
/// runtime collects anyway and the guard degrades to the drained queue alone.
/// </remarks>
internal static class NativeScalarRace
{
    private const long Budget = 64L << 20;
    private static readonly Lock Gate = new();
    private static int s_depth;
    private static bool s_inRegion;

    /// <summary>Runs a gen-0 collection and waits for its finalizers.</summary>
    private static void Quiesce()
    {
        GC.Collect(0, GCCollectionMode.Forced, blocking: true);
        GC.WaitForPendingFinalizers();
    }

    /// <summary>Enters a stretch of tensor work during which no collection should run; dispose the result when the step's native work is done.</summary>
    public static Scope Enter()
    {
        lock (Gate)
        {
            if (s_depth++ == 0)
            {
                Quiesce();
                try
                {
                    s_inRegion = GC.TryStartNoGCRegion(Budget, disallowFullBlockingGC: true);
                }
                catch (InvalidOperationException)
                {
                    s_inRegion = false; // another part of the process holds a region
                }
                catch (ArgumentOutOfRangeException)
                {
                    s_inRegion = false; // the budget exceeds what this GC configuration allows
                }
            }
        }

        return default;
    }

    private static void Leave()
    {
        lock (Gate)
        {
            if (--s_depth == 0 && s_inRegion)
            {
                s_inRegion = false;
                if (System.Runtime.GCSettings.LatencyMode == System.Runtime.GCLatencyMode.NoGCRegion)
                {
                    try
                    {
                        GC.EndNoGCRegion();
                    }
                    catch (InvalidOperationException)
                    {
                        // The step allocated past the budget and the runtime already collected: nothing to end.
                    }
                }
            }
        }
    }

    /// <summary>The guard of one step; disposing it ends the step.</summary>
    public readonly struct Scope : IDisposable
    {
        /// <summary>Leaves the guarded stretch.</summary>
        public void Dispose() => Leave();
    }
}
