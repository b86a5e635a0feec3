using System.Diagnostics;

namespace Spillway.Actors;

/// <summary>
/// Counts the failures of code the runtime calls around handlers but cannot let fail (a logging provider, a metrics
/// listener), whose exceptions it swallows; the first one is reported once through <see cref="Trace"/>, the only sink
/// left when the failing code is the logging itself.
/// </summary>
/// <remarks>Thread-safety: any thread; <see cref="Report"/> never throws.</remarks>
internal sealed class FaultCounter(string source)
{
    private long _count;

    /// <summary>Gets how many failures were swallowed so far.</summary>
    public long Count => Interlocked.Read(ref _count);

    /// <summary>Counts a swallowed failure; the first is written to <see cref="Trace"/>. Never throws.</summary>
    public void Report(Exception error)
    {
        // Interlocked: failures come from every thread at once; exactly one of them sees 1 and reports.
        if (Interlocked.Increment(ref _count) != 1)
        {
            return;
        }

        try
        {
            Trace.TraceWarning("Spillway.Actors: {0} threw and the exception was ignored (further failures are only counted): {1}", source, error);
        }
        catch (Exception)
        {
            // A trace listener threw too (or the exception's ToString did): nothing is left to tell, and nothing may escape.
        }
    }
}
