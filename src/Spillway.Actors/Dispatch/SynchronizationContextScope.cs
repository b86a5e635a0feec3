namespace Spillway.Actors;

/// <summary>
/// Installs a <see cref="SynchronizationContext"/> on the calling thread for the length of a <c>using</c> block and puts
/// the previous one back at its end, however the block ends: how work that runs on a thread the runtime does not own
/// (a pool thread running a turn, a worker resuming an asker) gets the context it needs and leaves none behind.
/// </summary>
/// <remarks>Thread-safety: a scope belongs to the thread that created it, which must also dispose it. A struct: no allocation.</remarks>
internal readonly struct SynchronizationContextScope : IDisposable
{
    private readonly SynchronizationContext? _previous;

    /// <summary>Installs <paramref name="context"/> (<see langword="null"/> for none) until <see cref="Dispose"/>.</summary>
    public SynchronizationContextScope(SynchronizationContext? context)
    {
        _previous = SynchronizationContext.Current;
        SynchronizationContext.SetSynchronizationContext(context);
    }

    /// <summary>Puts back the context that was installed when the scope began.</summary>
    public void Dispose() => SynchronizationContext.SetSynchronizationContext(_previous);
}
