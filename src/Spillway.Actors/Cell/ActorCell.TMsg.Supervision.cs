using System.Runtime.CompilerServices;

namespace Spillway.Actors;

/// <summary>
/// Supervision: what a handler's (or a hook's) failure does to the actor, per its <see cref="SupervisionStrategy"/>:
/// resume, restart (with the restart limit and the backoff), or stop; and the failing of the ask whose request failed.
/// </summary>
internal sealed partial class ActorCell<TMsg>
{
    /// <summary>Applies the supervision strategy to a handler's failure; returns <see langword="true"/> when the turn must end.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private bool RecoverFrom(Exception error)
    {
        FailAskOfCurrentMessage(error);
        return Await(HandleFailureAsync(error)) || _phase >= Phase.Stopping;
    }

    /// <summary>
    /// The handler of the message read last threw: if that message is an ask's request, the ask fails now with the
    /// handler's exception rather than at its timeout. Called before any other call on the reader (the tag belongs to
    /// the message read last), and only on this failure path: a message that is handled costs nothing here.
    /// </summary>
    private void FailAskOfCurrentMessage(Exception error)
    {
        if (TakeAskOfLastRead() is { } ask)
        {
            ask.FailFromHandler(error);
        }
    }

    private async ValueTask HandleFailureAsync(Exception error)
    {
        while (true)
        {
            var directive = Decide(error);
            Log.ActorFailed(System.Logger, error, Path, directive);
            var restarts = 0;
            if (directive == SupervisionDirective.Restart && !TryCountRestart(out restarts))
            {
                Log.RestartLimitExceeded(System.Logger, Path, Strategy.MaxRestarts, Strategy.RestartWindow);
                directive = SupervisionDirective.Stop;
            }

            switch (directive)
            {
                case SupervisionDirective.Resume:
                    return;
                case SupervisionDirective.Stop:
                    await StopAsync().ConfigureAwait(false);
                    return;
            }

            Metrics.RecordRestart(TypeTag);

            // ConfigureAwait(true) on the awaits that precede user code (the factory, the constructor, OnStartedAsync):
            // the backoff completes on a timer thread and a hook or a scope may complete elsewhere; capturing the
            // actor scheduler's SynchronizationContext (installed on every worker) brings the rest of the restart back
            // to the actor pool instead of running the new instance's code on the .NET thread pool.
            await RunHookAsync(_actor!.InvokeRestartingAsync(error), "OnRestartingAsync").ConfigureAwait(true);
            CancelTimers(final: false);
            await DisposeScopeAsync().ConfigureAwait(true);
            var backoff = Strategy.BackoffFor(restarts);
            if (backoff > TimeSpan.Zero && !await WaitOutBackoffAsync(backoff).ConfigureAwait(true))
            {
                // An immediate stop came during the backoff: stop now rather than restart first.
                await StopAsync().ConfigureAwait(false);
                return;
            }

            try
            {
                CreateInstance();
            }
            catch (Exception createError)
            {
                Log.RecreateFailed(System.Logger, createError, Path);
                await StopAsync().ConfigureAwait(false);
                return;
            }

            Log.ActorRestarted(System.Logger, Path, restarts);
            try
            {
                await _actor!.InvokeStartedAsync().ConfigureAwait(false);
                return;
            }
            catch (Exception startError)
            {
                error = startError;
            }
        }
    }

    /// <summary>Waits out a restart backoff on the system's clock, unless an immediate stop is asked for first.</summary>
    /// <returns><see langword="false"/> when an immediate stop cut the backoff short (or came before it).</returns>
    private async ValueTask<bool> WaitOutBackoffAsync(TimeSpan backoff)
    {
        // The turn's suspension state is where RequestStop looks for the backoff; it exists from here on (the turn
        // suspends on this very wait), so actors that never back off never allocate it.
        var suspension = _suspension ??= new Suspension(this);
        var cancellation = new CancellationTokenSource();

        // Interlocked (full fence) before the stop request is read: pairs with RequestStop, see there.
        Interlocked.Exchange(ref suspension.BackoffCancellation, cancellation);
        try
        {
            if (IsImmediateStopRequested)
            {
                return false;
            }

            await Task.Delay(backoff, System.TimeProvider, cancellation.Token).ConfigureAwait(true);
            return true;
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            return false;
        }
        finally
        {
            // Interlocked: a stop racing this line either cancels the source before it is withdrawn or finds no source.
            // Not disposed: a stop may be cancelling it on another thread right now, and a source without a timer or a
            // wait handle holds nothing that needs disposing.
            Interlocked.Exchange(ref suspension.BackoffCancellation, null);
        }
    }

    private SupervisionDirective Decide(Exception error)
    {
        try
        {
            return Strategy.Decider(error);
        }
        catch (Exception deciderError)
        {
            Log.HookFailed(System.Logger, deciderError, Path, "the supervision decider");
            return SupervisionDirective.Stop;
        }
    }

    /// <summary>Counts a restart in the sliding window; <see langword="false"/> when the limit is exceeded.</summary>
    private bool TryCountRestart(out int restartsInWindow)
    {
        var now = System.TimeProvider.GetTimestamp();
        var times = (_rare ??= new RareState()).RestartTimes ??= new Queue<long>();
        while (times.Count > 0 && System.TimeProvider.GetElapsedTime(times.Peek(), now) > Strategy.RestartWindow)
        {
            times.Dequeue();
        }

        if (times.Count >= Strategy.MaxRestarts)
        {
            restartsInWindow = times.Count;
            return false;
        }

        times.Enqueue(now);
        restartsInWindow = times.Count;
        return true;
    }
}
