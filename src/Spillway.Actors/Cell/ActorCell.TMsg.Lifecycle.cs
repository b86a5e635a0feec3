using Microsoft.Extensions.Logging;

namespace Spillway.Actors;

/// <summary>
/// The lifecycle: a spawn that failed, the stop request, the start, and the stop with its steps (close the mailbox,
/// stop the children, cancel the timers, run <see cref="Actor{TMsg}.OnStoppedAsync"/>, tell the watchers).
/// </summary>
internal sealed partial class ActorCell<TMsg>
{
    /// <summary>Builds the first instance on the spawning thread, so a constructor failure is the caller's exception.</summary>
    public void CreateFirstInstance()
    {
        CreateInstance();
        TypeForTag = _actor!.GetType();
    }

    /// <summary>
    /// Retires a cell whose spawn failed after it was registered (its constructor threw, or a shutdown refused it):
    /// nothing runs for it ever, and a stop or shutdown that took it in a snapshot meanwhile finds it stopped instead
    /// of waiting for it forever. Children its constructor spawned are stopped first. Called on the spawning thread,
    /// before any turn was queued, so it owns the cell.
    /// </summary>
    public void AbandonUnstarted()
    {
        _phase = Phase.Stopped;
        try
        {
            // Messages its constructor told itself (or that another thread told through a leaked reference) are dead letters.
            CloseAndReportDropped(includeBatch: false, StopReason);
            var children = CloseChildren();
            if (children.Length == 0)
            {
                SignalStopped();
                return;
            }

            var stops = new Task[children.Length];
            for (var i = 0; i < children.Length; i++)
            {
                children[i].RequestStop(graceful: false);
                stops[i] = children[i].Completion;
            }

            // The children's stops never fault (their completion is a plain signal).
            _ = Task.WhenAll(stops).ContinueWith(static (_, cell) => ((ActorCell<TMsg>)cell!).SignalStopped(), this, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
        catch (Exception error)
        {
            LogStepFailed(error, "the clean-up of a failed spawn");
            SignalStopped();
        }
    }

    public override void RequestStop(bool graceful)
    {
        // Seals the lanes, then stores the request (see the mailbox): either stop takes no new message.
        RecordStopRequest(graceful);

        if (!graceful)
        {
            // An immediate stop does not wait out a restart backoff. Read after the request is stored (a full fence):
            // pairs with WaitOutBackoffAsync, which publishes its cancellation and then reads the request, so either it
            // sees this stop or this read sees its cancellation. (A graceful stop drains, so it lets the restart happen
            // and the new instance handle what is queued.)
            Volatile.Read(ref _suspension)?.CancelBackoff();
        }

        // If the mailbox is idle, queue a turn to act on the request; if a turn is running, its "look again" step reads
        // the request after storing idle.
        TrySchedule();
    }

    private async ValueTask StartAsync()
    {
        try
        {
            await _actor!.InvokeStartedAsync().ConfigureAwait(false);
            if (System.Logger.IsEnabled(LogLevel.Debug))
            {
                // Guarded: the path is built per call, and most systems do not log at this level.
                Log.ActorStarted(System.Logger, Path);
            }
        }
        catch (Exception error)
        {
            await HandleFailureAsync(error).ConfigureAwait(false);
        }
    }

    private async ValueTask StopAsync()
    {
        if (_phase >= Phase.Stopping)
        {
            return;
        }

        _phase = Phase.Stopping;

        // Structurally unable to stop half way: every step below is isolated (a failure is logged and the next step
        // runs), and MarkStopped, which releases everyone waiting for this stop, runs whatever happens.
        try
        {
            await StopStepsAsync().ConfigureAwait(false);
        }
        catch (Exception error)
        {
            LogStepFailed(error, "its stop");
        }
        finally
        {
            _actor = null;
            MarkStopped();
        }
    }

    /// <summary>The steps of a stop before it is marked done; see <see cref="StopAsync"/>.</summary>
    private async ValueTask StopStepsAsync()
    {
        var graceful = IsGracefulStopRequested;

        // Refuse new messages; whatever is still queued becomes dead letters (none when draining gracefully).
        CloseAndReportDropped(includeBatch: true, StopReason);

        // Children stop first, the same way (drained on shutdown, at once otherwise).
        var children = CloseChildren();
        if (children.Length > 0)
        {
            var stops = new Task[children.Length];
            for (var i = 0; i < children.Length; i++)
            {
                try
                {
                    children[i].RequestStop(graceful);
                }
                catch (Exception error)
                {
                    LogStepFailed(error, "the stop request to a child");
                }

                stops[i] = children[i].Completion;
            }

            // ConfigureAwait(true): the children's stop signals complete on the .NET thread pool; coming back through
            // the actor scheduler's SynchronizationContext runs this actor's OnStoppedAsync on the actor pool. The
            // signals never fault: every child's stop ends in MarkStopped.
            await Task.WhenAll(stops).ConfigureAwait(true);
        }

        try
        {
            CancelTimers(final: true);
        }
        catch (Exception error)
        {
            LogStepFailed(error, "the cancellation of its timers");
        }

        if (_actor is { } actor)
        {
            await RunHookAsync(actor.InvokeStoppedAsync(), "OnStoppedAsync").ConfigureAwait(false);
        }

        await DisposeScopeAsync().ConfigureAwait(false);
        try
        {
            if (System.Logger.IsEnabled(LogLevel.Debug))
            {
                Log.ActorStopped(System.Logger, Path);
            }
        }
        catch (Exception error)
        {
            LogStepFailed(error, "the log of its stop");
        }
    }

    private async ValueTask RunHookAsync(ValueTask hook, string name)
    {
        try
        {
            await hook.ConfigureAwait(false);
        }
        catch (Exception error)
        {
            LogStepFailed(error, name);
        }
    }

    /// <summary>The last step of every stop: stopped, counted once, watchers told, stop waiters released.</summary>
    /// <remarks>Cannot throw, and always releases the stop waiters: each step is isolated.</remarks>
    private void MarkStopped()
    {
        _phase = Phase.Stopped;
        try
        {
            System.OnActorStopped(this);
        }
        catch (Exception error)
        {
            LogStepFailed(error, "the bookkeeping of its stop");
        }

        try
        {
            ReleaseRelations();
        }
        catch (Exception error)
        {
            LogStepFailed(error, "the release of its watches and watchers");
        }

        SignalStopped();
    }
}
