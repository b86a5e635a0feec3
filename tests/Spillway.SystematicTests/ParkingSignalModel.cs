using System.Threading.Tasks.Sources;

namespace Spillway.SystematicTests;

/// <summary>
/// A small copy of the receiver's park/wake handshake (<c>ReceiverCore.WaitToReadAsync</c> against
/// <c>OnLaneFilled</c>), with a switch that removes its "look again after arming" step. Used only to show that the
/// Coyote setup really explores interleavings: the broken copy must be caught.
/// </summary>
/// <remarks>
/// Why not remove the full fence instead: Coyote explores interleavings under sequential consistency, so it cannot
/// find a bug that needs the processor to reorder a store after a load. Removing the second look is a lost wake-up in
/// any memory model, which is what a systematic test can and must find.
/// </remarks>
internal sealed class ParkingSignalModel : IValueTaskSource<bool>
{
    private const int SignalIdle = 0;
    private const int SignalArmed = 1;

    private readonly bool _looksAgainAfterArming;

    private ManualResetValueTaskSourceCore<bool> _signal = new() { RunContinuationsAsynchronously = true };

    /// <summary>Armed while the reader is parked; claimed back to idle by exactly one waker.</summary>
    private int _signalState;

    /// <summary>How many items were published and not yet taken (the lanes' "has items" flags, in one counter).</summary>
    private int _available;

    public ParkingSignalModel(bool looksAgainAfterArming) => _looksAgainAfterArming = looksAgainAfterArming;

    /// <summary>Sender side: publish an item, then wake the reader if it is parked.</summary>
    public void Publish()
    {
        Interlocked.Increment(ref _available);

        // Compare-and-swap: only the waker that moves the signal from armed to idle completes it.
        if (Interlocked.CompareExchange(ref _signalState, SignalIdle, SignalArmed) == SignalArmed)
        {
            _signal.SetResult(true);
        }
    }

    /// <summary>Reader side: take one published item if there is one.</summary>
    public bool TryTake()
    {
        var seen = Volatile.Read(ref _available);
        while (seen > 0)
        {
            var before = Interlocked.CompareExchange(ref _available, seen - 1, seen);
            if (before == seen)
            {
                return true;
            }

            seen = before;
        }

        return false;
    }

    /// <summary>Reader side: completes when an item may be available.</summary>
    public ValueTask<bool> WaitAsync()
    {
        if (Volatile.Read(ref _available) > 0)
        {
            return new ValueTask<bool>(true);
        }

        _signal.Reset();

        // Full fence, then look again: a sender that published before the arming found the signal idle and did not
        // wake us, so only this second look can see its item.
        Interlocked.Exchange(ref _signalState, SignalArmed);
        if (!_looksAgainAfterArming || Volatile.Read(ref _available) == 0)
        {
            return new ValueTask<bool>(this, _signal.Version);
        }

        // Something arrived while arming: disarm, unless a sender already claimed the signal and is completing it.
        return Interlocked.CompareExchange(ref _signalState, SignalIdle, SignalArmed) == SignalArmed
            ? new ValueTask<bool>(true)
            : new ValueTask<bool>(this, _signal.Version);
    }

    bool IValueTaskSource<bool>.GetResult(short token) => _signal.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource<bool>.GetStatus(short token) => _signal.GetStatus(token);

    void IValueTaskSource<bool>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _signal.OnCompleted(continuation, state, token, flags);
}
