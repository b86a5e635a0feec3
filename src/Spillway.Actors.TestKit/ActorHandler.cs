namespace Spillway.Actors.TestKit;

/// <summary>
/// Calls an actor's handler and hooks directly, without an actor system: a unit test of the handler's logic on the
/// test's own thread. Pair it with <see cref="TestReply.Create{T}"/> for requests that carry a <see cref="Reply{T}"/>.
/// </summary>
/// <remarks>
/// The boundary: an actor constructed directly has no <see cref="Actor{TMsg}.Context"/> (using it throws
/// <see cref="InvalidOperationException"/>), so a handler that spawns, watches, stops, schedules timers or tells
/// <c>Context.Self</c> needs a system: spawn it in an <see cref="ActorTestKit"/> in
/// <see cref="TestKitMode.Deterministic"/> and step it instead. Call these only on an instance that no actor system runs,
/// one call at a time: they bypass the mailbox and its one-message-at-a-time guarantee.
/// </remarks>
public static class ActorHandler
{
    /// <summary>Calls the actor's <c>ReceiveAsync</c> with <paramref name="message"/>.</summary>
    /// <typeparam name="TMsg">The message type.</typeparam>
    /// <param name="actor">The actor instance.</param>
    /// <param name="message">The message.</param>
    /// <returns>The handler's task; an exception the handler throws reaches the caller unchanged.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="actor"/> or <paramref name="message"/> is <see langword="null"/>.</exception>
    public static ValueTask ReceiveAsync<TMsg>(Actor<TMsg> actor, TMsg message)
    {
        ArgumentNullException.ThrowIfNull(actor);
        ArgumentNullException.ThrowIfNull(message);
        return actor.InvokeReceiveAsync(message);
    }

    /// <summary>Calls the actor's <c>OnStartedAsync</c>.</summary>
    /// <typeparam name="TMsg">The message type.</typeparam>
    /// <param name="actor">The actor instance.</param>
    /// <returns>The hook's task; an exception the hook throws is in it.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="actor"/> is <see langword="null"/>.</exception>
    public static ValueTask StartAsync<TMsg>(Actor<TMsg> actor)
    {
        ArgumentNullException.ThrowIfNull(actor);
        return actor.InvokeStartedAsync();
    }

    /// <summary>Calls the actor's <c>OnStoppedAsync</c>.</summary>
    /// <typeparam name="TMsg">The message type.</typeparam>
    /// <param name="actor">The actor instance.</param>
    /// <returns>The hook's task; an exception the hook throws is in it.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="actor"/> is <see langword="null"/>.</exception>
    public static ValueTask StopAsync<TMsg>(Actor<TMsg> actor)
    {
        ArgumentNullException.ThrowIfNull(actor);
        return actor.InvokeStoppedAsync();
    }
}
