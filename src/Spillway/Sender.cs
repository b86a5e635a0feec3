using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Threading.Channels;

namespace Spillway;

/// <summary>
/// A sending handle of a spillway channel, bound to one lane, usable anywhere a <see cref="ChannelWriter{T}"/> is
/// expected.
/// </summary>
/// <remarks>
/// <para>
/// Thread-safety: any number of threads may send through one handle; they then contend on its lane's lock and their
/// messages are ordered by it. For the least contention give each producing thread its own handle
/// (<see cref="Clone"/>).
/// </para>
/// <para>
/// Ordering: the messages of one handle arrive in the order they were sent. Handles that share a lane (there are
/// more handles than lanes) still keep their own order. Across handles there is no order.
/// </para>
/// <para>
/// Lifetime: the channel completes when every handle is disposed or completed, so dispose every handle you clone. A
/// handle that is only dropped keeps the channel open.
/// </para>
/// <para>
/// Contract, as the BCL channels: once this handle is completed with an error, its writes throw a
/// <see cref="ChannelClosedException"/> carrying that error as <see cref="Exception.InnerException"/> (an
/// <see cref="OperationCanceledException"/> is thrown as is), <see cref="TryWrite"/> returns <see langword="false"/> and
/// <see cref="WaitToWriteAsync"/> throws the error. Writes of this handle still waiting for room when it is completed
/// or disposed, or when the receiver is disposed, end at once the same way; other handles' waiting writes are not
/// affected. On a bounded channel, writes waiting for room are served in the order they started waiting, whatever
/// their handle.
/// </para>
/// </remarks>
public sealed class Sender<T> : ChannelWriter<T>, IDisposable
{
    private const int StateOpen = 0;
    private const int StateCompleted = 1;
    private const int StateDisposed = 2;

    private readonly LaneHandle<T> _handle;

    /// <summary>Which exception a rejected send throws; the lane lock, not this field, decides whether a send lands.</summary>
    private int _state;

    internal Sender(LaneHandle<T> handle) => _handle = handle;

    /// <summary>
    /// Sends a message now, without waiting. Only this handle's lane lock is taken.
    /// </summary>
    /// <param name="item">The message.</param>
    /// <exception cref="ChannelClosedException">
    /// This handle was completed (carrying the error it was completed with, if any), or the receiver was disposed.
    /// </exception>
    /// <exception cref="ObjectDisposedException">This handle was disposed.</exception>
    /// <exception cref="ChannelFullException">
    /// The channel is bounded and at its capacity, or writes waiting for room are ahead of this one.
    /// </exception>
    public void Send(T item)
    {
        var outcome = _handle.TryAppend(item);
        if (outcome >= AppendOutcome.Closed)
        {
            ThrowRejected(outcome);
        }
    }

    /// <summary>
    /// Sends a batch of messages as one append to this handle's lane: the reader sees them contiguously and in order,
    /// and either all of them are queued or none is. An empty batch is allowed and sends nothing.
    /// </summary>
    /// <param name="items">The messages, copied before the call returns.</param>
    /// <exception cref="ChannelClosedException">
    /// This handle was completed (carrying the error it was completed with, if any), or the receiver was disposed.
    /// </exception>
    /// <exception cref="ObjectDisposedException">This handle was disposed.</exception>
    /// <exception cref="ChannelFullException">
    /// The channel is bounded and at its capacity, or writes waiting for room are ahead of this one.
    /// </exception>
    public void SendMany(ReadOnlySpan<T> items)
    {
        var outcome = _handle.TryAppendMany(items);
        if (outcome >= AppendOutcome.Closed)
        {
            ThrowRejected(outcome);
        }
    }

    /// <summary>
    /// Creates another handle on the same channel, bound to the next lane round-robin. It keeps the channel open until
    /// it is disposed or completed itself.
    /// </summary>
    /// <returns>The new handle.</returns>
    /// <exception cref="ObjectDisposedException">This handle was disposed.</exception>
    /// <exception cref="ChannelClosedException">This handle was completed, or every handle of the channel was.</exception>
    public Sender<T> Clone()
    {
        ThrowIfNotOpen();
        var handle = LaneHandle<T>.TryCreateCounted(_handle.Set)
            ?? throw new ChannelClosedException("Every sender of this channel was completed; the channel cannot be reopened.");
        return new Sender<T>(handle);
    }

    /// <summary>Tries to send a message now, without waiting and without throwing.</summary>
    /// <param name="item">The message.</param>
    /// <returns>
    /// <see langword="false"/> when this handle is completed or disposed, the receiver was disposed, or a bounded
    /// channel is full (or writes waiting for room are ahead of this one).
    /// </returns>
    // Optimized from the first call, not after tiering: the whole send inlines here and has no virtual call for profile
    // guidance to improve, and unoptimized it cost several times as much (measured: 21 against 7.7 ns per message with
    // eight senders and the reader on one core, where the background compilation that tiers it up barely ran).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override bool TryWrite(T item) => _handle.TryAppend(item) < AppendOutcome.Closed;

    /// <summary>
    /// Waits until a write could succeed. The result is a hint: another writer may take the room first. A cancelled
    /// wait leaves the channel's waiter queue at once.
    /// </summary>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>
    /// <see langword="true"/> when there is room (always, right away, on an unbounded channel);
    /// <see langword="false"/> when this handle is completed or disposed or the receiver was disposed, also when that
    /// happens while waiting. If this handle was completed with an error, the task throws that error instead.
    /// </returns>
    public override ValueTask<bool> WaitToWriteAsync(CancellationToken cancellationToken = default)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled<bool>(cancellationToken);
        }

        if (!_handle.IsOpen())
        {
            // As the BCL: a writer completed with an error reports it; otherwise no write can ever succeed.
            return _handle.CompletionError is { } error ? ValueTask.FromException<bool>(error) : new ValueTask<bool>(false);
        }

        return _handle.Set.HasRoom ? new ValueTask<bool>(true) : _handle.Set.WaitForRoomAsync(_handle, cancellationToken);
    }

    /// <summary>
    /// Sends a message, waiting for room when a bounded channel is full. Waiting writes are served in the order they
    /// started waiting: when room appears the message is handed to this handle's lane, so overlapping writes through
    /// one handle keep their order. The only allocation is the wait itself, when it has to wait.
    /// </summary>
    /// <param name="item">The message.</param>
    /// <param name="cancellationToken">Cancels the wait; a cancelled write sends nothing and leaves the waiter queue at once.</param>
    /// <returns>A task that completes when the message is queued.</returns>
    /// <exception cref="ChannelClosedException">
    /// This handle was completed (carrying the error it was completed with, if any) or disposed while the write waited,
    /// or the receiver was disposed. A completion with an <see cref="OperationCanceledException"/> throws that
    /// exception instead.
    /// </exception>
    /// <exception cref="ObjectDisposedException">This handle was disposed before the call.</exception>
    public override ValueTask WriteAsync(T item, CancellationToken cancellationToken = default)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled(cancellationToken);
        }

        var outcome = _handle.TryAppend(item);
        return outcome switch
        {
            < AppendOutcome.Closed => default,
            AppendOutcome.Full => _handle.Set.WriteWhenRoomAsync(_handle, item, cancellationToken),
            _ => ValueTask.FromException(CreateRejection(outcome)),
        };
    }

    /// <summary>
    /// Completes this handle: it sends nothing more. The channel completes once every handle is completed or
    /// disposed; an <paramref name="error"/> (the first one given by any handle) then faults
    /// <see cref="Receiver{T}.Completion"/> after the reader has drained the channel. This handle's writes still waiting
    /// for room end now (see the type remarks); other handles' do not.
    /// </summary>
    /// <param name="error">Why the writer stopped, or <see langword="null"/> for a normal end.</param>
    /// <returns><see langword="false"/> when this handle was already completed or disposed.</returns>
    public override bool TryComplete(Exception? error = null)
    {
        // Compare-and-swap: only the first of Complete/Dispose decides which exception later sends throw.
        Interlocked.CompareExchange(ref _state, StateCompleted, StateOpen);
        return _handle.Release(error);
    }

    /// <summary>
    /// Releases this handle: later sends through it throw <see cref="ObjectDisposedException"/>, and its writes still
    /// waiting for room throw <see cref="ChannelClosedException"/> now (its <see cref="WaitToWriteAsync"/> waits return
    /// <see langword="false"/>). Other handles are not affected; the channel completes when the last one is released.
    /// Idempotent.
    /// </summary>
    public void Dispose()
    {
        Volatile.Write(ref _state, StateDisposed);
        _handle.Release(null);
    }

    private void ThrowIfNotOpen()
    {
        if (Volatile.Read(ref _state) != StateOpen || !_handle.IsOpen())
        {
            throw CreateRejection(AppendOutcome.Closed);
        }
    }

    [DoesNotReturn]
    private void ThrowRejected(AppendOutcome outcome) => throw CreateRejection(outcome);

    private Exception CreateRejection(AppendOutcome outcome)
    {
        if (outcome == AppendOutcome.Full)
        {
            return ChannelFullException.ForCapacity(_handle.Set.Capacity);
        }

        return Volatile.Read(ref _state) == StateDisposed
            ? new ObjectDisposedException(GetType().Name, "This sender handle was disposed.")
            : _handle.CreateRejection();
    }
}
