using System.Runtime.CompilerServices;
using Microsoft.Extensions.DependencyInjection;

namespace Spillway.Actors;

/// <summary>
/// An actor at run time: its mailbox (the base class, <see cref="ActorMailbox{TMsg}"/>), the current instance of its
/// actor class, and the turn loop that hands the mailbox's messages to that instance's handler, with the lifecycle
/// around it (start, supervision, suspended turns, stop).
/// </summary>
/// <remarks>
/// <para>
/// Thread-safety: exactly one worker at a time runs <see cref="Execute"/> (the mailbox's idle/scheduled state sees to
/// that), and the turn is the only code that touches the actor instance and the lifecycle fields. Any thread may ask
/// for a stop (<see cref="RequestStop"/>) or read the racy snapshots.
/// </para>
/// <para>
/// The files, by concern: this one (fields, construction, the instance and its scope), <c>ActorCell.TMsg.Turn.cs</c>
/// (the turn loop), <c>ActorCell.TMsg.Suspension.cs</c> (turns suspended on a pending task),
/// <c>ActorCell.TMsg.Supervision.cs</c> (failures and restarts), <c>ActorCell.TMsg.Lifecycle.cs</c> (start and stop).
/// </para>
/// </remarks>
internal sealed partial class ActorCell<TMsg> : ActorMailbox<TMsg>
{
    /// <summary>The values of <see cref="_phase"/>, in the only order it moves.</summary>
    private static class Phase
    {
        /// <summary>Created; the first turn runs <see cref="Actor{TMsg}.OnStartedAsync"/>.</summary>
        public const int NeedsStart = 0;

        /// <summary>Started: turns hand messages to the handler.</summary>
        public const int Running = 1;

        /// <summary>The stop has begun; no message is handled any more.</summary>
        public const int Stopping = 2;

        /// <summary>Stopped for good (counted, watchers told, stop waiters released).</summary>
        public const int Stopped = 3;
    }

    /// <summary>A <see cref="Func{TResult}"/> given to a spawn, or an <see cref="ActorFactory{TMsg}"/> for spawns by type; stored as given so a spawn allocates no wrapper.</summary>
    private readonly Delegate _factory;

    /// <summary>
    /// The actor's context, created on first use (<see cref="Context"/>): an actor that never asks for its context (nor
    /// spawns, watches or schedules through it) carries none.
    /// </summary>
    private ActorContext<TMsg>? _context;

    /// <summary>Lifecycle phase (<see cref="Phase"/>); written only by the running turn (volatile for <see cref="IsStopped"/> readers).</summary>
    private volatile int _phase;

    private Actor<TMsg>? _actor;

    /// <summary>
    /// The dependency-injection scope of the current instance and the restart times, created on first use (an actor
    /// spawned by type with scoped services, or one that restarted), so an idle actor with neither carries one field.
    /// Touched only by the turn (and the spawning thread before the first turn), like the fields it replaces.
    /// </summary>
    private RareState? _rare;

    /// <summary>
    /// The state of a turn suspended on a pending task, created on the first suspension only, so an actor whose
    /// handlers complete synchronously never pays for it. Touched only by the turn and its resumption.
    /// </summary>
    private Suspension? _suspension;

    public ActorCell(ActorSystem system, ActorCell? parent, ActorName name, SupervisionStrategy strategy, SpawnOptions options, Delegate factory)
        : base(system, parent, name, strategy, options)
    {
        _factory = factory;
        Self = new ActorRef<TMsg>(this);
    }

    public ActorRef<TMsg> Self { get; }

    /// <summary>Gets the actor's context, creating it on first use; one instance for the cell's lifetime, from any thread.</summary>
    public ActorContext<TMsg> Context => Volatile.Read(ref _context) ?? CreateContext();

    public override Type ActorType => _actor?.GetType() ?? typeof(Actor<TMsg>);

    public override bool IsStopped => _phase == Phase.Stopped;

    public override bool IsTurnInProgress => !IsStopped && IsScheduled;

    /// <summary>Queues the first turn, which runs <see cref="Actor{TMsg}.OnStartedAsync"/>.</summary>
    public void ScheduleFirstTurn() => ScheduleWhileScheduled();

    public IDisposable StartTimer(TMsg message, TimeSpan dueTime, TimeSpan period)
    {
        var timer = new ActorTimer<TMsg>(this, message, period != Timeout.InfiniteTimeSpan);
        AddTimer(timer); // Throws, before the timer is armed, once the actor's stop has cancelled its timers for good.
        timer.Start(System.TimeProvider, dueTime, period);
        return timer;
    }

    public override string ToString() => Path;

    /// <summary>Creates the context once; see <see cref="Context"/>.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private ActorContext<TMsg> CreateContext()
    {
        // CAS: the actor's own code and a thread it started may ask at once; both must get the same context (its
        // logger is cached there). Volatile read above pairs with this publication: the context is seen constructed.
        var created = new ActorContext<TMsg>(this);
        return Interlocked.CompareExchange(ref _context, created, null) ?? created;
    }

    private void CreateInstance()
    {
        using (ActorContext<TMsg>.BeginConstruction(this))
        {
            IServiceScope? scope = null;
            var actor = (_factory is ActorFactory<TMsg> scoped ? scoped(System, out scope) : ((Func<Actor<TMsg>>)_factory)())
                ?? throw new ArgumentException($"The factory of actor {Path} returned null; a factory must return a new instance.");
            actor.Attach(this);
            _actor = actor;
            if (scope is not null || _rare is not null)
            {
                (_rare ??= new RareState()).Scope = scope;
            }
        }
    }

    private async ValueTask DisposeScopeAsync()
    {
        var scope = _rare?.Scope;
        if (_rare is not null)
        {
            _rare.Scope = null;
        }

        // A scoped service whose Dispose throws is the user's failure, like a hook's: log it and go on. Letting it
        // escape would abandon the stop (or restart) half way, so the actor never stopped and shutdown never ended.
        try
        {
            if (scope is IAsyncDisposable asyncScope)
            {
                await asyncScope.DisposeAsync().ConfigureAwait(false);
            }
            else
            {
                scope?.Dispose();
            }
        }
        catch (Exception error)
        {
            LogStepFailed(error, "the disposal of its DI scope");
        }
    }

    /// <summary>What an actor needs only when spawned with a scope or after a failure; see <see cref="_rare"/>.</summary>
    private sealed class RareState
    {
        /// <summary>The current instance's dependency-injection scope, disposed when the instance is replaced or stops.</summary>
        public IServiceScope? Scope;

        /// <summary>When the recent restarts happened, for the strategy's sliding window.</summary>
        public Queue<long>? RestartTimes;
    }
}
