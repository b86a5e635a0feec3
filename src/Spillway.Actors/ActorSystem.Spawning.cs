namespace Spillway.Actors;

/// <summary>Spawning and the actor registry.</summary>
public sealed partial class ActorSystem
{
    internal ActorRef<TMsg> SpawnByType<TActor, TMsg>(ActorCell? parent, string? name, SpawnOptions? options)
        where TActor : Actor<TMsg>
    {
        ActorActivator<TActor>.Validate();

        // A static lambda: cached once per actor type, so spawning by type allocates no delegate.
        return Spawn<TMsg>(parent, name, options, (ActorFactory<TMsg>)(static (ActorSystem system, out Microsoft.Extensions.DependencyInjection.IServiceScope? scope) =>
            (Actor<TMsg>)ActorActivator<TActor>.Create(system.Services, out scope)));
    }

    internal ActorRef<TMsg> SpawnByFactory<TMsg>(ActorCell? parent, Func<Actor<TMsg>> factory, string? name, SpawnOptions? options) =>
        Spawn<TMsg>(parent, name, options, factory);

    internal void OnActorStopped(ActorCell cell)
    {
        // Exactly once per actor, whichever stop path gets here first; its message totals go to its type's retired
        // totals in the same step, so the sent and processed counters never go down.
        if (!MailboxTotals.TryRetire(cell))
        {
            return;
        }

        // Interlocked: actors stop on many workers at once.
        Interlocked.Decrement(ref _actorCount);
        if (cell.Parent is { } parent)
        {
            parent.RemoveChild(cell);
        }
        else
        {
            _topLevel.TryRemove(new KeyValuePair<ActorCell, ActorCell>(cell, cell));
        }
    }

    private ActorRef<TMsg> Spawn<TMsg>(ActorCell? parent, string? name, SpawnOptions? options, Delegate factory)
    {
        // During a shutdown only the system's own actors may spawn, and only while it drains (see AcceptsDrainWork).
        if (IsShuttingDown && !AcceptsDrainWork())
        {
            throw new InvalidOperationException($"Actor system {Name} is shutting down; it cannot spawn actors.");
        }

        var spawnOptions = options ?? _options.DefaultSpawnOptions;
        spawnOptions.Validate();
        // Interlocked: spawns run on many threads at once, and each generated name is handed out once.
        var actorName = name is null ? ActorName.FromGenerated(Interlocked.Increment(ref _generatedNames)) : ActorName.FromGiven(ValidateName(name));
        var strategy = options?.Supervision ?? parent?.Strategy ?? _options.DefaultSupervision;
        var cell = new ActorCell<TMsg>(this, parent, actorName, strategy, spawnOptions, factory);

        var added = parent is null ? _topLevel.TryAdd(cell, cell) : parent.TryAddChild(cell);
        if (!added)
        {
            throw new ArgumentException($"An actor named '{actorName}' already exists under {parent?.Path ?? RootPath}.", nameof(name));
        }

        // From here on the cell is registered, so a shutdown (or its parent's stop) may have taken it in a snapshot and
        // wait for it: every failure below retires it (AbandonUnstarted), so that no stop waits for it forever.
        try
        {
            // Full fence, then look at the shutdown flags again: pairs with the Interlocked.Exchange in ShutdownAsync
            // (and the one that ends the drain), which set the flag before taking their snapshots of top-level actors.
            // Either the snapshot contains this actor (and the shutdown stops it) or this spawn sees the flag and backs
            // out; if both, the backed-out cell is retired, which the shutdown sees as stopped.
            Interlocked.MemoryBarrier();
            if (parent is null && IsShuttingDown && !AcceptsDrainWork())
            {
                throw new InvalidOperationException($"Actor system {Name} is shutting down; it cannot spawn actors.");
            }

            if (IsShuttingDown)
            {
                // Spawned by an actor during the drain: refuse tells from outside the system, like every other mailbox.
                cell.Lanes.Seal();
            }

            // The constructor's own exception reaches the caller unchanged; what the runtime validates itself (no usable
            // constructor, a missing dependency) comes as an ActorActivationException from ActorActivator.
            cell.CreateFirstInstance();
        }
        catch (Exception error)
        {
            if (parent is null)
            {
                _topLevel.TryRemove(new KeyValuePair<ActorCell, ActorCell>(cell, cell));
            }
            else
            {
                parent.RemoveChild(cell);
            }

            cell.AbandonUnstarted();
            if (error is ActorActivationException)
            {
                // The runtime's own check: name the actor. A constructor's exception goes on unchanged below.
                throw new ArgumentException($"The actor system cannot construct the actor '{actorName}': {error.Message}", nameof(name), error);
            }

            throw;
        }

        // Interlocked: spawns race with stops on other threads.
        Interlocked.Increment(ref _actorCount);
        cell.ScheduleFirstTurn();
        return cell.Self;
    }

    private static string ValidateName(string name)
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            throw new ArgumentException("An actor name must not be empty.", nameof(name));
        }

        if (name.Contains('/', StringComparison.Ordinal) || name.StartsWith('$'))
        {
            throw new ArgumentException($"An actor name must not contain '/' or start with '$' (reserved for generated names): '{name}'.", nameof(name));
        }

        return name;
    }
}
