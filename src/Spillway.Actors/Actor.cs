namespace Spillway.Actors;

/// <summary>
/// The base class of an actor that handles messages of type <typeparamref name="TMsg"/>, one at a time.
/// </summary>
/// <typeparam name="TMsg">The message type; use a closed hierarchy or a union-like record for several kinds.</typeparam>
/// <remarks>
/// <para>
/// Thread-safety: the runtime never runs two calls of one actor instance at once, and every call happens-after the
/// previous one, so an actor's fields need no locks. While a returned <see cref="ValueTask"/> is pending, no other
/// message of this actor runs; <c>await</c> inside a handler resumes on the actor system's workers.
/// </para>
/// <para>
/// Lifecycle: <see cref="OnStartedAsync"/> runs before the first message. When a handler throws, the actor's
/// <see cref="SupervisionStrategy"/> resumes, restarts (<see cref="OnRestartingAsync"/> on the failed instance, then a
/// new instance from the factory, whose <see cref="OnStartedAsync"/> runs) or stops it. <see cref="OnStoppedAsync"/>
/// runs once, after the actor's children have stopped.
/// </para>
/// </remarks>
public abstract class Actor<TMsg>
{
    /// <summary>The actor's cell, which creates the context on first use (an actor that never asks for it carries none).</summary>
    private ActorCell<TMsg>? _cell;

    /// <summary>Creates the actor; called by the actor system through the factory given at spawn.</summary>
    protected Actor() => _cell = ActorContext<TMsg>.Constructing;

    /// <summary>
    /// Gets the actor's view of the runtime: its own reference, the system, a logger, children, watches and timers.
    /// Available in the constructor when the actor is built by a spawn, and in every handler and hook.
    /// </summary>
    /// <exception cref="InvalidOperationException">The actor was constructed outside a spawn and never spawned.</exception>
    protected ActorContext<TMsg> Context =>
        _cell?.Context ?? throw new InvalidOperationException(
            $"{GetType().Name} has no context: actors get one when they are spawned through an ActorSystem or an ActorContext, not when constructed directly.");

    /// <summary>Handles one message. An exception (thrown or in the returned task) goes to the actor's supervision strategy.</summary>
    /// <param name="message">The message, never <see langword="null"/>.</param>
    /// <returns>A task that completes when the message is handled.</returns>
    protected abstract ValueTask ReceiveAsync(TMsg message);

    /// <summary>Runs before the first message, and on the new instance after a restart. An exception counts as a failure.</summary>
    /// <returns>A task that completes when the actor is ready.</returns>
    protected virtual ValueTask OnStartedAsync() => default;

    /// <summary>Runs once when the actor stops, after its children have stopped. An exception is logged and ignored.</summary>
    /// <returns>A task that completes when the actor has cleaned up.</returns>
    protected virtual ValueTask OnStoppedAsync() => default;

    /// <summary>Runs on the failed instance before it is replaced by a restart. An exception is logged and ignored.</summary>
    /// <param name="reason">The exception that caused the restart.</param>
    /// <returns>A task that completes when the instance has cleaned up.</returns>
    protected virtual ValueTask OnRestartingAsync(Exception reason) => default;

    internal void Attach(ActorCell<TMsg> cell) => _cell ??= cell;

    internal ValueTask InvokeReceiveAsync(TMsg message) => ReceiveAsync(message);

    // The hooks below turn a synchronous throw (a non-async override that throws before returning its ValueTask) into
    // a faulted task. The cell evaluates a hook as the argument of its guarded await, outside that await's try; a
    // synchronous throw used to escape the lifecycle step, leaving the actor neither running nor stopped, so its
    // Completion (and ShutdownAsync/DisposeAsync) never finished. Not on the per-message path: handlers are guarded
    // by the turn loop itself.
    internal ValueTask InvokeStartedAsync()
    {
        try
        {
            return OnStartedAsync();
        }
        catch (Exception error)
        {
            return ValueTask.FromException(error);
        }
    }

    internal ValueTask InvokeStoppedAsync()
    {
        try
        {
            return OnStoppedAsync();
        }
        catch (Exception error)
        {
            return ValueTask.FromException(error);
        }
    }

    internal ValueTask InvokeRestartingAsync(Exception reason)
    {
        try
        {
            return OnRestartingAsync(reason);
        }
        catch (Exception error)
        {
            return ValueTask.FromException(error);
        }
    }
}
