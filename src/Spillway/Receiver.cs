using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Threading.Channels;

namespace Spillway;

/// <summary>
/// The single reading end of a spillway channel, usable anywhere a <see cref="ChannelReader{T}"/> is expected.
/// </summary>
/// <remarks>
/// <para>
/// Thread-safety: exactly one reader. A read started while a <see cref="WaitToReadAsync"/> or <see cref="ReadAsync"/>
/// is still pending (abandoned, as in <c>Task.WhenAny(wait, timeout)</c>) supersedes it, as the BCL single-reader
/// channel does: the old one ends with an <see cref="OperationCanceledException"/>. Two reads that run at the same
/// moment on two threads are a misuse: the second throws <see cref="InvalidOperationException"/> and the channel stays
/// intact. <see cref="Count"/> and <see cref="Completion"/> may be read from any thread.
/// </para>
/// <para>
/// Ordering: messages from one <see cref="Sender{T}"/> arrive in the order it sent them. The reader takes a whole lane
/// at a time and visits lanes round-robin, so messages of different senders interleave lane batch by lane batch.
/// </para>
/// <para>
/// Completion: once every sender handle is disposed or completed, the reader first receives every message already
/// sent, then <see cref="WaitToReadAsync"/> returns <see langword="false"/> (or throws the error a sender completed
/// with), <see cref="ReadAsync"/> throws <see cref="ChannelClosedException"/> carrying that error (an
/// <see cref="OperationCanceledException"/> is thrown as is) and <see cref="Completion"/> completes. Disposing the receiver closes the channel for every sender and drops
/// what is queued.
/// </para>
/// <para>
/// Capacity: on a bounded channel each message read gives its room back at once, so writers waiting for room go on
/// while the reader works through a lane batch.
/// </para>
/// </remarks>
public sealed class Receiver<T> : ChannelReader<T>, IDisposable
{
    private readonly ReceiverCore<T> _core;

    internal Receiver(ReceiverCore<T> core) => _core = core;

    /// <inheritdoc/>
    /// <remarks>Completes when the channel is complete and drained, or when the receiver is disposed.</remarks>
    public override Task Completion => _core.Completion;

    /// <inheritdoc/>
    public override bool CanCount => true;

    /// <inheritdoc/>
    public override bool CanPeek => true;

    /// <summary>
    /// Gets a snapshot of how many messages are queued and not yet read, across all lanes. Exact only when no sender
    /// and no reader runs at the same time.
    /// </summary>
    public override int Count => _core.Count;

    /// <summary>
    /// Takes the next message without waiting. Returns <see langword="false"/> when nothing is queued right now.
    /// Allocation-free.
    /// </summary>
    /// <param name="item">The message, when one was taken.</param>
    /// <returns><see langword="true"/> when a message was taken.</returns>
    /// <exception cref="InvalidOperationException">Another read runs at this moment on another thread.</exception>
    // Optimized from the first call, as Sender.TryWrite: the read's fast path inlines here (see ReceiverCore.TryRead).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override bool TryRead([MaybeNullWhen(false)] out T item) => _core.TryRead(out item);

    /// <summary>Looks at the message <see cref="TryRead"/> would return next, without taking it.</summary>
    /// <param name="item">The message, when there is one.</param>
    /// <returns><see langword="true"/> when a message is queued.</returns>
    /// <exception cref="InvalidOperationException">Another read runs at this moment on another thread.</exception>
    public override bool TryPeek([MaybeNullWhen(false)] out T item) => _core.TryPeek(out item);

    /// <summary>
    /// Takes every unread message of the current lane batch, or of the next non-empty lane, at once, with no
    /// per-message synchronization. The messages of one batch come from one lane, in send order.
    /// </summary>
    /// <param name="batch">
    /// The messages taken. The span is valid until the next read on this receiver, which reuses its storage; a
    /// <see cref="Dispose"/> on another thread does not clear it. Their room on a bounded channel is given back at once.
    /// </param>
    /// <returns><see langword="true"/> when at least one message was taken.</returns>
    /// <exception cref="InvalidOperationException">Another read runs at this moment on another thread.</exception>
    public bool TryReadBatch(out ReadOnlySpan<T> batch) => _core.TryReadBatch(out batch);

    /// <summary>
    /// Waits until a message can be read, or the channel is complete and drained. The wait allocates nothing in
    /// steady state (one reusable completion source), and a sender wakes it only when a lane goes from empty to
    /// non-empty.
    /// </summary>
    /// <param name="cancellationToken">Cancels the wait; no message is consumed by a cancelled wait.</param>
    /// <returns>
    /// <see langword="true"/> when a message is available; <see langword="false"/> when the channel is complete and
    /// drained, or the receiver was disposed.
    /// </returns>
    /// <exception cref="InvalidOperationException">Another read runs at this moment on another thread.</exception>
    /// <exception cref="OperationCanceledException">
    /// The token was cancelled, or a later read superseded this wait while it was pending.
    /// </exception>
    /// <remarks>
    /// If a sender completed with an error, the returned task throws that error once the channel is drained. The wait
    /// may be abandoned: the next read supersedes it. Each returned task may be consumed once; reading a consumed one
    /// again throws <see cref="InvalidOperationException"/> and does not affect a later wait.
    /// </remarks>
    public override ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken = default) =>
        _core.WaitToReadAsync(cancellationToken);

    /// <summary>Reads the next message, waiting for one if needed.</summary>
    /// <param name="cancellationToken">Cancels the wait; a cancelled read consumes no message.</param>
    /// <returns>The message.</returns>
    /// <exception cref="ChannelClosedException">
    /// The channel is complete and drained (carrying the error a sender completed with, if any), or disposed.
    /// </exception>
    /// <exception cref="InvalidOperationException">Another read runs at this moment on another thread.</exception>
    /// <exception cref="OperationCanceledException">
    /// The token was cancelled, a later read superseded this one while it was pending, or a sender completed with an
    /// <see cref="OperationCanceledException"/> (thrown as is once the channel is drained).
    /// </exception>
    public override ValueTask<T> ReadAsync(CancellationToken cancellationToken = default)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled<T>(cancellationToken);
        }

        return _core.TryRead(out var item) ? new ValueTask<T>(item) : _core.ReadAsyncSlow(cancellationToken);
    }

    /// <summary>
    /// Closes the channel for every sender: later sends throw <see cref="ChannelClosedException"/> and
    /// <see cref="Sender{T}.TryWrite(T)"/> returns <see langword="false"/>. Messages still queued are dropped, a pending
    /// wait returns <see langword="false"/>, and <see cref="Completion"/> completes. Idempotent.
    /// </summary>
    public void Dispose() => _core.Dispose();
}
