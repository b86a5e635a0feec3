using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace Spillway.Actors;

/// <summary>
/// The turn loop: the lifecycle steps a turn owes, then up to a turn's budget of messages handed to the handler, then
/// the end of the turn (queued again, drained, or idle through the mailbox's "go idle, then look again").
/// </summary>
internal sealed partial class ActorCell<TMsg>
{
    /// <summary>How many times a turn that ran dry looks at the lanes again before ending (see <see cref="AwaitMoreBriefly"/>).</summary>
    private const int IdleSpinChecks = 8;

    /// <summary>The pause between those looks, in <see cref="Thread.SpinWait(int)"/> iterations (a fraction of a microsecond).</summary>
    private const int IdleSpinIterations = 32;

    /// <summary>One message in this many is timed for <c>spillway.actor.process.duration</c> (a power of two).</summary>
    internal const int DurationSampleInterval = 64;

    public override void Execute(SchedulerWorker? worker)
    {
        try
        {
            RunTurn(worker);
        }
        catch (Exception error)
        {
            OnTurnFailed(error);
        }
    }

    public override void ExecuteUnguarded(SchedulerWorker worker) => RunTurn(worker);

    public override void OnTurnFailed(Exception error)
    {
        // RunTurn catches user failures itself; reaching here is a runtime bug. Keep the worker alive, and rather than
        // leave the actor wedged (scheduled forever, so never stopped and shutdown never done), ask for an immediate stop
        // and queue the turn that performs it. The mailbox is still scheduled (this turn never went idle), so queuing it
        // here keeps the one-turn-at-a-time rule. The system's logger is guarded (GuardedLoggerFactory): a failing
        // logging provider is swallowed there, so nothing here throws on.
        Log.WorkItemFailed(System.Logger, error);
        if (_phase < Phase.Stopping)
        {
            ForceImmediateStopRequest();
            ScheduleWhileScheduled();
        }
    }

    /// <summary>Runs one turn: the lifecycle steps that are due, then up to a turn's budget of messages.</summary>
    /// <remarks>
    /// Everything but the message loop is out of line (<see cref="PrepareTurn"/>, <see cref="RecoverFrom"/>): the
    /// lifecycle steps await async methods, and inlined here their state machines made this method's frame several
    /// times larger, which every one-message turn (the ping-pong path) paid for in its prologue.
    /// </remarks>
    private void RunTurn(SchedulerWorker? worker)
    {
        if ((_phase != Phase.Running || _suspension is { Failure: not null } || IsImmediateStopRequested)
            && !PrepareTurn())
        {
            return;
        }

        // Read once per turn, not per message: an unbounded mailbox pays nothing for the per-message release below.
        var bounded = IsBounded;
        var processed = 0;
        var turnSize = System.TurnSize;
        while (true)
        {
            if (processed >= turnSize)
            {
                // Not a ref parameter: a local whose address is taken lives on the stack for the whole method, and this
                // one is read and written once per message.
                if (!RenewTurnIfQuiet(worker))
                {
                    break;
                }

                processed = 0;
            }

            // The next message of the batch first: one compare, and nothing else asked while the batch lasts.
            if (!TryReadBuffered(out var message))
            {
                if (processed != 0 && !MayHaveMessages())
                {
                    // The batch is used up and no lane holds more (the unlocked hint; the mailbox looks again after going
                    // idle). The light lane scan settles this more cheaply than the reader's full take path, which matters
                    // on a one-message turn (the ping-pong case; see docs/performance-history.md). Recycle as the take path
                    // would: a bounded mailbox gets its room back before the turn ends.
                    RecycleBatch();
                    if (!AwaitMoreBriefly(worker))
                    {
                        break;
                    }

                    continue;
                }

                if (!TryReadTakingLane(out message))
                {
                    if (!AwaitMoreBriefly(worker))
                    {
                        break;
                    }

                    continue;
                }
            }

            processed++;
            var total = CountProcessed();

            // Sampled: timing every message would cost two clock reads and a histogram record each, several times the
            // cost of the message itself under a collecting SDK. One in DurationSampleInterval (the 64th, 128th, ...
            // message this actor handles) keeps the distribution.
            // The sample test first: whether a listener wants durations is a chain of dependent loads, worth skipping
            // on the 63 messages in 64 that are not sampled anyway.
            var started = (total & (DurationSampleInterval - 1)) == 0 && Metrics.MeasureDuration ? Stopwatch.GetTimestamp() : 0;
            ValueTask pending;
            try
            {
                pending = _actor!.InvokeReceiveAsync(message);
            }
            catch (Exception error)
            {
                if (RecoverFrom(error))
                {
                    return;
                }

                continue;
            }

            if (!pending.IsCompleted)
            {
                Suspend(pending, handler: true, started);
                return;
            }

            try
            {
                // Consumed even when successful: a pooled IValueTaskSource behind the ValueTask is only recycled then.
                pending.GetAwaiter().GetResult();
                if (started != 0)
                {
                    Metrics.RecordDuration(Stopwatch.GetElapsedTime(started).TotalSeconds, TypeTag);
                }
            }
            catch (Exception error)
            {
                if (RecoverFrom(error))
                {
                    return;
                }
            }

            if (bounded)
            {
                // Room comes back per message handled, not per lane batch: a TellAsync waiting for room resumes as soon
                // as one message is done, not when the turn has worked through the whole batch.
                ReleaseRoomOfHandled();
            }

            if (IsImmediateStopRequested)
            {
                break;
            }
        }

        EndTurn(processed);
    }

    /// <summary>
    /// The lifecycle steps a turn may owe before its messages: a failure left by a suspended handler, the start, a
    /// stop. Returns <see langword="true"/> when the turn goes on to its messages.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private bool PrepareTurn()
    {
        if (_suspension?.Failure is { } failure)
        {
            _suspension.Failure = null;
            FailAskOfCurrentMessage(failure);
            if (Await(HandleFailureAsync(failure)))
            {
                return false;
            }
        }

        if (_phase == Phase.NeedsStart)
        {
            _phase = Phase.Running;
            if (Await(StartAsync()))
            {
                return false;
            }
        }

        if (_phase >= Phase.Stopping)
        {
            return false;
        }

        if (IsImmediateStopRequested)
        {
            Await(StopAsync());
            return false;
        }

        return true;
    }

    /// <summary>
    /// At the end of a turn's budget, goes on with a new budget instead of queuing again when nothing else waits for
    /// this worker: queuing behind nobody would only send the actor through the shared queue and wake another worker to
    /// take it, every budget, for as long as its senders keep up. Fairness is unchanged: the question is asked again at
    /// the end of every budget, and any mailbox or next-slot item waiting makes the turn yield as before.
    /// </summary>
    /// <returns><see langword="true"/> when the turn goes on (the caller starts a new count of messages).</returns>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private bool RenewTurnIfQuiet(SchedulerWorker? worker)
    {
        // Only on a dedicated worker (a pool thread is the pool's to share), and never while a stop waits for the turn.
        if (worker is null || IsStopRequested || !worker.IsQuiet)
        {
            return false;
        }

        worker.NoteTurnRenewed();
        return true;
    }

    /// <summary>
    /// Before giving up a turn for lack of messages, and only when no other mailbox waits for a worker, looks at the
    /// lanes a few times over a microsecond or two. A sender in the middle of a burst usually lands its next message in
    /// that window, which saves the mailbox a round trip through idle, a reschedule and a worker wake-up.
    /// </summary>
    /// <returns><see langword="true"/> when a lane now holds messages.</returns>
    private bool AwaitMoreBriefly(SchedulerWorker? worker)
    {
        if (!(worker?.IsQuiet ?? System.Scheduler.IsQuiet) || IsStopRequested)
        {
            return false;
        }

        for (var check = 0; check < IdleSpinChecks; check++)
        {
            Thread.SpinWait(IdleSpinIterations);
            if (HasQueuedMessages())
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Ends a turn: queued again while it owes more work, else the mailbox goes idle.</summary>
    private void EndTurn(int processed)
    {
        if (processed == System.TurnSize || IsImmediateStopRequested)
        {
            // The turn used its budget (or a stop is due): give the worker up and queue again behind everyone else,
            // staying scheduled.
            ScheduleBehindOthers();
            return;
        }

        if (IsGracefulStopRequested)
        {
            EndTurnDraining();
            return;
        }

        GoIdleThenLookAgain(processed);
    }

    /// <summary>Ends a turn of an actor stopping gracefully: another turn while messages remain, else the stop.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void EndTurnDraining()
    {
        // Sealed before the request was stored, so nothing new can land; the locked look catches an append that was
        // already inside a lane lock when the seal happened.
        if (HasQueuedMessagesLocked())
        {
            ScheduleWhileScheduled();
        }
        else
        {
            Await(StopAsync());
        }
    }
}
