namespace Spillway;

/// <summary>Writers waiting for room on a full bounded channel (the slow path only; see the remarks of <see cref="WriterWaiter{T}"/>).</summary>
/// <remarks>
/// <para>
/// Two queues, as in the BCL bounded channel. Blocked <c>WriteAsync</c> calls wait in arrival order, each with its
/// message; when room appears the oldest are given it first, and whoever frees the room hands their messages to their
/// lanes under the waiter lock, so they land in the order they started waiting (one handle's overlapping writes keep
/// their order) and no later send can take the room first (<see cref="TryReserve"/> refuses while they wait).
/// <c>WaitToWriteAsync</c> calls are all told once no blocked write is left and there is room: their <see
/// langword="true"/> is a hint, and waking only some of them would strand the rest if a woken one did not write.
/// </para>
/// <para>
/// Lock order: the waiter lock, then a lane lock (to hand a message over); never the other way round. Waiters are
/// completed after the lock is left.
/// </para>
/// </remarks>
internal sealed partial class LaneSet<T>
{
    private static readonly Action<object?, CancellationToken> s_onWaiterCancelled = static (state, token) =>
    {
        var waiter = (WriterWaiter<T>)state!;
        waiter.Handle.Set.OnWriterWaiterCancelled(waiter, token);
    };

    /// <summary>
    /// The two queues, created under <see cref="WriterWaitersLock"/> by the first writer that has to wait and only ever
    /// touched under it: a channel or mailbox that is never full carries one null reference for them, not four.
    /// </summary>
    private WriterQueues? _writerQueues;

    /// <summary>Queued waiters of both kinds: changed under the lock, read without it by <see cref="Release"/>.</summary>
    private int _writerWaiterCount;

    /// <summary>
    /// Queued <c>WriteAsync</c> calls: changed under the lock, read without it by <see cref="TryReserve"/> and
    /// <see cref="HasRoom"/>, since while it is not zero the next room belongs to them.
    /// </summary>
    private int _blockedWriterCount;

    /// <summary>Gets how many writers wait for room (tests watch cancelled waiters leave).</summary>
    internal int WriterWaiterCount => Volatile.Read(ref _writerWaiterCount);

    /// <summary>
    /// Queues a <c>WriteAsync</c> of <paramref name="item"/> through <paramref name="handle"/> behind the writers
    /// already waiting; the returned task completes once the message is in the handle's lane, or fails.
    /// </summary>
    public ValueTask WriteWhenRoomAsync(LaneHandle<T> handle, T item, CancellationToken cancellationToken)
    {
        var waiter = new WriterWaiter<T>(handle, hasItem: true, item);
        Enqueue(waiter, cancellationToken);
        return new ValueTask(waiter, waiter.Version);
    }

    /// <summary>
    /// Like <see cref="WriteWhenRoomAsync(LaneHandle{T}, T, CancellationToken)"/>, except that a refusal (the set closed
    /// or sealed, or the handle released, before the message could land) is no error: the task completes normally
    /// after <paramref name="refusalSink"/> was called with <paramref name="refusalState"/> and the message, exactly
    /// once, outside every lock. A cancellation still fails the task (<see cref="OperationCanceledException"/>) and calls
    /// nothing: the message was never queued and the caller still has it.
    /// </summary>
    public ValueTask WriteWhenRoomAsync(LaneHandle<T> handle, T item, Action<object, T> refusalSink, object refusalState, CancellationToken cancellationToken)
    {
        var waiter = new WriterWaiter<T>(handle, hasItem: true, item)
        {
            RefusalSink = refusalSink,
            RefusalState = refusalState,
        };
        Enqueue(waiter, cancellationToken);
        return new ValueTask(waiter, waiter.Version);
    }

    /// <summary>Waits until the channel has room (<see langword="true"/>) or <paramref name="handle"/> can no longer send.</summary>
    public ValueTask<bool> WaitForRoomAsync(LaneHandle<T> handle, CancellationToken cancellationToken)
    {
        var waiter = new WriterWaiter<T>(handle, hasItem: false, default!);
        Enqueue(waiter, cancellationToken);
        return new ValueTask<bool>(waiter, waiter.Version);
    }

    /// <summary>Fails the waiters of <paramref name="handle"/> (it was released), or of every handle when <see langword="null"/> (the channel closed).</summary>
    public void FailWriterWaiters(LaneHandle<T>? handle)
    {
        var done = default(CompletionChain);
        var filled = false;
        lock (WriterWaitersLock)
        {
            RejectQueued_NeedsLock(_writerQueues?.BlockedHead, handle, ref done);
            RejectQueued_NeedsLock(_writerQueues?.WaitingHead, handle, ref done);

            // With a blocked write gone from the front, the next ones may fit now.
            DispatchNeedsLock(ref done, ref filled);
        }

        Finish(done, filled);
    }

    /// <summary>Takes the waiters of <paramref name="handle"/> (of every handle when null) out of the queue starting at <paramref name="head"/>, rejected.</summary>
    private void RejectQueued_NeedsLock(WriterWaiter<T>? head, LaneHandle<T>? handle, ref CompletionChain done)
    {
        for (var waiter = head; waiter is not null;)
        {
            var next = waiter.Next;
            if (handle is null || waiter.Handle == handle)
            {
                Unlink(waiter);
                Reject(waiter);
                done.Add(waiter);
            }

            waiter = next;
        }
    }

    /// <summary>Gives the room there is to the waiting writers, oldest first (after the reader released some).</summary>
    private void DispatchWriterWaiters()
    {
        var done = default(CompletionChain);
        var filled = false;
        lock (WriterWaitersLock)
        {
            DispatchNeedsLock(ref done, ref filled);
        }

        Finish(done, filled);
    }

    private void Enqueue(WriterWaiter<T> waiter, CancellationToken cancellationToken)
    {
        if (cancellationToken.CanBeCanceled)
        {
            // Registered before the waiter is queued, so that whoever completes it sees the registration. A callback that
            // fires before the waiter is queued finds it not queued and does nothing: the check under the lock below
            // catches that cancellation.
            waiter.Registration = cancellationToken.UnsafeRegister(s_onWaiterCancelled, waiter);
        }

        var done = default(CompletionChain);
        var filled = false;
        lock (WriterWaitersLock)
        {
            if (cancellationToken.IsCancellationRequested)
            {
                waiter.Item = default;
                waiter.Error = new OperationCanceledException(cancellationToken);
                done.Add(waiter);
            }
            else if (IsClosed || waiter.Handle.IsReleased())
            {
                // Looked at under the waiter lock: a release or close that comes later fails the queued waiter itself
                // (FailWriterWaiters takes this lock after the flag is set), one that came earlier is seen here.
                Reject(waiter);
                done.Add(waiter);
            }
            else
            {
                Append(waiter);

                // Room may have appeared between the caller's failed attempt and now, with nobody queued to give it to:
                // dispatch here. Together with Release (room freed, then the count read, both full fences) no room is
                // ever left unused while a writer waits.
                DispatchNeedsLock(ref done, ref filled);
            }
        }

        Finish(done, filled);
    }

    private void OnWriterWaiterCancelled(WriterWaiter<T> waiter, CancellationToken token)
    {
        var done = default(CompletionChain);
        var filled = false;
        lock (WriterWaitersLock)
        {
            if (!waiter.IsQueued)
            {
                // Already taken out (and being completed) by someone else, or not queued yet: the enqueuer checks.
                return;
            }

            Unlink(waiter);
            waiter.Item = default;
            waiter.Error = new OperationCanceledException(token);
            done.Add(waiter);
            DispatchNeedsLock(ref done, ref filled);
        }

        Finish(done, filled);
    }

    /// <summary>Gives room to blocked writes first (oldest first, their messages handed to their lanes), then tells the waiting ones.</summary>
    private void DispatchNeedsLock(ref CompletionChain done, ref bool filled)
    {
        if (_writerQueues is not { } queues)
        {
            return;
        }

        while (queues.BlockedHead is { } waiter)
        {
            // Interlocked: the reservation races with sends' reservations and the reader's releases on one counter.
            if (Interlocked.Add(ref _queued, 1) > _capacity)
            {
                Interlocked.Add(ref _queued, -1);
                break;
            }

            Unlink(waiter);
            var outcome = waiter.Handle.AppendReserved(waiter.Item!);
            if (outcome == AppendOutcome.Closed)
            {
                // The handle was released or the channel closed after the waiter was queued; its own pass fails the rest.
                // Reject clears the message, unless a refusal sink is to get it.
                Interlocked.Add(ref _queued, -1);
                Reject(waiter);
            }
            else
            {
                waiter.Item = default;
                filled |= outcome == AppendOutcome.AppendedToEmptyLane;
                waiter.Result = true;
            }

            done.Add(waiter);
        }

        if (queues.BlockedHead is null && queues.WaitingHead is not null && Volatile.Read(ref _queued) < _capacity)
        {
            while (queues.WaitingHead is { } waiting)
            {
                Unlink(waiting);
                waiting.Result = true;
                done.Add(waiting);
            }
        }
    }

    /// <summary>Sets the outcome of a waiter whose handle can no longer send: what the same call would get if made now.</summary>
    private static void Reject(WriterWaiter<T> waiter)
    {
        if (waiter.RefusalSink is not null)
        {
            // The message stays with the waiter: Complete hands it to the sink, outside the lock.
            waiter.Refused = true;
            waiter.Result = true;
            return;
        }

        waiter.Item = default;
        var handle = waiter.Handle;
        if (waiter.HasItem)
        {
            waiter.Error = handle.CreateRejection();
        }
        else if (handle.IsReleased() && handle.CompletionError is { } error)
        {
            // As the BCL: a writer completed with an error fails its WaitToWriteAsync with that error.
            waiter.Error = error;
        }
        else
        {
            waiter.Result = false;
        }
    }

    /// <summary>Completes, outside the lock, what a pass took out of the queues; first tells the reader of new messages.</summary>
    private void Finish(CompletionChain done, bool filled)
    {
        if (filled)
        {
            _listener.OnLaneFilled();
        }

        for (var waiter = done.Head; waiter is not null;)
        {
            var next = waiter.NextToComplete;
            waiter.NextToComplete = null;
            waiter.Complete();
            waiter = next;
        }
    }

    private void Append(WriterWaiter<T> waiter)
    {
        var queues = _writerQueues ??= new WriterQueues();
        ref var head = ref waiter.HasItem ? ref queues.BlockedHead : ref queues.WaitingHead;
        ref var tail = ref waiter.HasItem ? ref queues.BlockedTail : ref queues.WaitingTail;
        waiter.Previous = tail;
        if (tail is null)
        {
            head = waiter;
        }
        else
        {
            tail.Next = waiter;
        }

        tail = waiter;
        waiter.IsQueued = true;

        // Interlocked (full fence) before the dispatch reads the room: pairs with Release, which frees room and then
        // reads this count. Either the dispatch sees the room or Release sees the waiter.
        Interlocked.Increment(ref _writerWaiterCount);
        if (waiter.HasItem)
        {
            Interlocked.Increment(ref _blockedWriterCount);
        }
    }

    private void Unlink(WriterWaiter<T> waiter)
    {
        // Only queued waiters are unlinked, so the queues exist.
        var queues = _writerQueues!;
        ref var head = ref waiter.HasItem ? ref queues.BlockedHead : ref queues.WaitingHead;
        ref var tail = ref waiter.HasItem ? ref queues.BlockedTail : ref queues.WaitingTail;
        if (waiter.Previous is null)
        {
            head = waiter.Next;
        }
        else
        {
            waiter.Previous.Next = waiter.Next;
        }

        if (waiter.Next is null)
        {
            tail = waiter.Previous;
        }
        else
        {
            waiter.Next.Previous = waiter.Previous;
        }

        waiter.Previous = null;
        waiter.Next = null;
        waiter.IsQueued = false;
        Interlocked.Decrement(ref _writerWaiterCount);
        if (waiter.HasItem)
        {
            Interlocked.Decrement(ref _blockedWriterCount);
        }
    }

    /// <summary>The two waiter queues; every field under <see cref="WriterWaitersLock"/>.</summary>
    private sealed class WriterQueues
    {
        /// <summary>Blocked <c>WriteAsync</c> calls, oldest first.</summary>
        public WriterWaiter<T>? BlockedHead;
        public WriterWaiter<T>? BlockedTail;

        /// <summary>Waiting <c>WaitToWriteAsync</c> calls.</summary>
        public WriterWaiter<T>? WaitingHead;
        public WriterWaiter<T>? WaitingTail;
    }

    /// <summary>The waiters one pass took out, in the order they were taken, to complete after the lock is left.</summary>
    private struct CompletionChain
    {
        public WriterWaiter<T>? Head;
        private WriterWaiter<T>? _tail;

        public void Add(WriterWaiter<T> waiter)
        {
            if (_tail is null)
            {
                Head = waiter;
            }
            else
            {
                _tail.NextToComplete = waiter;
            }

            _tail = waiter;
        }
    }
}
