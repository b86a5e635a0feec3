namespace Spillway;

/// <summary>Raises an integer shared between threads to at least a value, never lowering it.</summary>
/// <remarks>Thread-safety: any number of threads may raise the same location at once; the highest value wins.</remarks>
internal static class AtomicMax
{
    /// <summary>Raises <paramref name="location"/> to <paramref name="value"/> unless it already holds as much or more.</summary>
    public static void RaiseTo(ref int location, int value)
    {
        var seen = Volatile.Read(ref location);
        while (seen < value)
        {
            // CAS: another thread may raise the location between the read and the write; a plain store could then
            // lower it again. On failure, look at what that thread stored and go on only if it is still lower.
            var previous = Interlocked.CompareExchange(ref location, value, seen);
            if (previous == seen)
            {
                return;
            }

            seen = previous;
        }
    }
}
