using Microsoft.Extensions.Logging;

namespace Spillway.Actors;

/// <summary>
/// An actor's view of the runtime: its own reference, its system, a logger, and the means to spawn children, watch
/// other actors, schedule messages to itself, and stop.
/// </summary>
/// <typeparam name="TMsg">The actor's message type.</typeparam>
/// <remarks>
/// Thread-safety: meant for the actor's own handlers and hooks. <see cref="Self"/>, <see cref="System"/>,
/// <see cref="Logger"/> and <see cref="Stop"/> may also be used from other threads.
/// </remarks>
public sealed class ActorContext<TMsg>
{
    [ThreadStatic]
    private static ActorCell<TMsg>? t_constructing;

    private readonly ActorCell<TMsg> _cell;
    private ILogger? _logger;

    internal ActorContext(ActorCell<TMsg> cell) => _cell = cell;

    /// <summary>Gets this actor's own reference (one lane of its mailbox, shared by everything told through it).</summary>
    public ActorRef<TMsg> Self => _cell.Self;

    /// <summary>Gets the actor system the actor lives in.</summary>
    public ActorSystem System => _cell.System;

    /// <summary>Gets the actor's name among its siblings.</summary>
    public string Name => _cell.Name;

    /// <summary>Gets the actor's path.</summary>
    public string Path => _cell.Path;

    /// <summary>
    /// Gets a logger whose category is the actor's type, from the system's logger factory. It never throws: an exception
    /// from a logging provider is swallowed and counted, so a log call cannot fail the handler that makes it.
    /// </summary>
    public ILogger Logger => _logger ??= _cell.System.CreateLogger(_cell.ActorType);

    internal static ActorCell<TMsg>? Constructing => t_constructing;

    /// <summary>
    /// Stops this actor after the message being handled: its children stop first, queued messages become dead letters,
    /// then <see cref="Actor{TMsg}.OnStoppedAsync"/> runs.
    /// </summary>
    public void Stop() => _cell.RequestStop(graceful: false);

    /// <summary>Spawns a child built by type, through the system's services when it has them.</summary>
    /// <typeparam name="TChildActor">The child's concrete actor type.</typeparam>
    /// <typeparam name="TChildMsg">The child's message type.</typeparam>
    /// <param name="name">A name unique among this actor's children, or <see langword="null"/> for a generated one.</param>
    /// <param name="options">Supervision and mailbox settings; by default the child uses this actor's strategy.</param>
    /// <returns>The child's reference.</returns>
    /// <exception cref="ArgumentException">The type cannot be constructed, or the name is taken or invalid.</exception>
    /// <exception cref="InvalidOperationException">This actor is stopping, or the system is shutting down and its drain has ended (see <see cref="ActorSystem.ShutdownAsync"/>).</exception>
#pragma warning disable RS0026 // Two Spawn methods with optional parameters: their generic arity differs, so no call is ambiguous.
    public ActorRef<TChildMsg> Spawn<TChildActor, TChildMsg>(string? name = null, SpawnOptions? options = null)
        where TChildActor : Actor<TChildMsg> =>
        _cell.System.SpawnByType<TChildActor, TChildMsg>(_cell, name, options);

    /// <summary>Spawns a child built by a factory (called again on every restart).</summary>
    /// <typeparam name="TChildMsg">The child's message type.</typeparam>
    /// <param name="factory">Creates a new instance each time it is called.</param>
    /// <param name="name">A name unique among this actor's children, or <see langword="null"/> for a generated one.</param>
    /// <param name="options">Supervision and mailbox settings; by default the child uses this actor's strategy.</param>
    /// <returns>The child's reference.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="factory"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">The name is taken or invalid.</exception>
    /// <exception cref="InvalidOperationException">This actor is stopping, or the system is shutting down and its drain has ended (see <see cref="ActorSystem.ShutdownAsync"/>).</exception>
    public ActorRef<TChildMsg> Spawn<TChildMsg>(Func<Actor<TChildMsg>> factory, string? name = null, SpawnOptions? options = null)
#pragma warning restore RS0026
    {
        ArgumentNullException.ThrowIfNull(factory);
        return _cell.System.SpawnByFactory(_cell, factory, name, options);
    }

    /// <summary>
    /// Asks to be told <paramref name="notification"/> when <paramref name="actor"/> stops (at once if it already has).
    /// </summary>
    /// <typeparam name="TOther">The watched actor's message type.</typeparam>
    /// <param name="actor">The actor to watch.</param>
    /// <param name="notification">The message this actor receives when it stops.</param>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    /// <remarks>
    /// One watch per pair of actors: watching the same actor again replaces the notification, so a watch placed in
    /// <see cref="Actor{TMsg}.OnStartedAsync"/> (which runs again after every restart) still gives one notification
    /// per stop. When this actor stops, its watches are withdrawn. The notification is handled after every message told to
    /// this actor before the watched actor stopped, through any reference (so after whatever the watched actor told this
    /// actor before it stopped).
    /// </remarks>
    public void Watch<TOther>(ActorRef<TOther> actor, TMsg notification)
    {
        ArgumentNullException.ThrowIfNull(actor);
        if (notification is null)
        {
            throw new ArgumentNullException(nameof(notification));
        }

        var self = Self;
        // A barrier: the notification comes after every message told to this actor before the watched actor stopped,
        // in particular what the watched actor told it on its way out.
        actor.Cell.AddWatcher(_cell, () => self.TellAfterEverythingToldBefore(notification));
    }

    /// <summary>
    /// Withdraws this actor's watch of <paramref name="actor"/>: after this returns, the runtime tells it no
    /// notification for <paramref name="actor"/>. A notification told before the call may still be queued. Does
    /// nothing if this actor does not watch <paramref name="actor"/>.
    /// </summary>
    /// <typeparam name="TOther">The watched actor's message type.</typeparam>
    /// <param name="actor">The watched actor.</param>
    /// <exception cref="ArgumentNullException"><paramref name="actor"/> is <see langword="null"/>.</exception>
    public void Unwatch<TOther>(ActorRef<TOther> actor)
    {
        ArgumentNullException.ThrowIfNull(actor);
        actor.Cell.RemoveWatcher(_cell);
    }

    /// <summary>Tells this actor <paramref name="message"/> once, after <paramref name="delay"/>, by the system's <see cref="TimeProvider"/>.</summary>
    /// <param name="message">The message.</param>
    /// <param name="delay">The delay; zero or more.</param>
    /// <returns>A handle whose disposal cancels the timer. Timers are cancelled when the actor stops or restarts.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="message"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="delay"/> is negative.</exception>
    /// <exception cref="InvalidOperationException">The actor is stopping (for example, called from <see cref="Actor{TMsg}.OnStoppedAsync"/>): its timers were cancelled for good.</exception>
    public IDisposable ScheduleOnce(TMsg message, TimeSpan delay)
    {
        if (message is null)
        {
            throw new ArgumentNullException(nameof(message));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(delay, TimeSpan.Zero);
        return _cell.StartTimer(message, delay, Timeout.InfiniteTimeSpan);
    }

    /// <summary>Tells this actor <paramref name="message"/> after <paramref name="initialDelay"/>, then every <paramref name="period"/>.</summary>
    /// <param name="message">The message.</param>
    /// <param name="initialDelay">The delay before the first time; zero or more.</param>
    /// <param name="period">The interval; positive.</param>
    /// <returns>A handle whose disposal cancels the timer. Timers are cancelled when the actor stops or restarts.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="message"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A negative delay, or a period that is not positive.</exception>
    /// <exception cref="InvalidOperationException">The actor is stopping (for example, called from <see cref="Actor{TMsg}.OnStoppedAsync"/>): its timers were cancelled for good.</exception>
    public IDisposable SchedulePeriodic(TMsg message, TimeSpan initialDelay, TimeSpan period)
    {
        if (message is null)
        {
            throw new ArgumentNullException(nameof(message));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(initialDelay, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(period, TimeSpan.Zero);
        return _cell.StartTimer(message, initialDelay, period);
    }

    /// <summary>
    /// Makes <paramref name="cell"/> the one whose context actors constructed on this thread pick up, until disposed. The
    /// cell, not its context: the context is created only when the actor first asks for it.
    /// </summary>
    internal static ConstructionScope BeginConstruction(ActorCell<TMsg> cell) => new(cell);

    internal readonly struct ConstructionScope : IDisposable
    {
        private readonly ActorCell<TMsg>? _previous;

        public ConstructionScope(ActorCell<TMsg> cell)
        {
            _previous = t_constructing;
            t_constructing = cell;
        }

        public void Dispose() => t_constructing = _previous;
    }
}
