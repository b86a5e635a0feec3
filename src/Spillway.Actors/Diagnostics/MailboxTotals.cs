using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using System.Diagnostics.Metrics;

namespace Spillway.Actors;

/// <summary>
/// The callbacks of the observed per-type instruments of one actor system (sent, processed, queued, and the live actor
/// count), and the totals of actors that have stopped, so that the two counters never go down.
/// </summary>
/// <remarks>
/// <para>
/// Each live actor keeps a plain running total of processed messages, written by its turn, and its lanes count every
/// message appended to them (sent); both are read here with <see cref="Volatile"/>. A collection walks the live actor
/// tree once per instrument and adds, per actor type, the totals of the actors it finds to the totals of the actors
/// that have retired (stopped); the live actor count is the number of actors the walk finds. Nothing here runs on the
/// message path: a tell or a turn never takes <see cref="_lock"/>. Every measurement carries the actor type and the
/// system's name.
/// </para>
/// <para>
/// Thread-safety: one lock, <see cref="_lock"/>, taken by a stopping actor's retirement (<see cref="TryRetire"/>) and
/// by every walk. Under it, an actor is either live (not
/// retired: the walk reads its fields) or retired (its totals are in <see cref="_types"/> and the walk skips it), never
/// both and never neither, so a collection counts every actor exactly once. The lock is never held while a listener
/// runs: a callback returns a fresh array, which the listener reads after the lock is released.
/// </para>
/// </remarks>
internal sealed class MailboxTotals
{
    private readonly object _lock = new();
    private readonly ConcurrentDictionary<ActorCell, ActorCell> _topLevel;

    /// <summary>The <c>spillway.system</c> attribute every measurement carries, so two systems in one process never merge.</summary>
    private readonly KeyValuePair<string, object?> _systemTag;

    /// <summary>Per actor type: the retired totals, and the walk's scratch sum. Guarded by <see cref="_lock"/>.</summary>
    private readonly Dictionary<string, TypeTotals> _types = new(StringComparer.Ordinal);

    /// <summary>The walk's to-do list, reused so a collection does not allocate one. Guarded by <see cref="_lock"/>.</summary>
    private readonly Stack<ActorCell> _pending = new();

    /// <summary>
    /// Live actors whose parent retired before them, which the walk can no longer reach from the top-level actors. Only
    /// a shutdown that runs out of time stops a parent before its children (see <see cref="ActorCell.ForceCloseTree"/>);
    /// every other stop waits for the children first. Created on first use; guarded by <see cref="_lock"/>.
    /// </summary>
    private HashSet<ActorCell>? _orphans;

    public MailboxTotals(ConcurrentDictionary<ActorCell, ActorCell> topLevel, string systemName)
    {
        _topLevel = topLevel;
        _systemTag = new KeyValuePair<string, object?>(SpillwayMetrics.SystemAttribute, systemName);
    }

    private enum Reading
    {
        Sent,
        Processed,
        Queued,
        Live,
    }

    /// <summary>The <c>spillway.mailbox.sent.messages</c> callback: messages accepted so far, per actor type.</summary>
    public IEnumerable<Measurement<long>> MeasureSent() => Measure(Reading.Sent);

    /// <summary>The <c>spillway.mailbox.processed.messages</c> callback: messages handled so far, per actor type.</summary>
    public IEnumerable<Measurement<long>> MeasureProcessed() => Measure(Reading.Processed);

    /// <summary>The <c>spillway.mailbox.queued.messages</c> callback: messages waiting right now, per actor type.</summary>
    public IEnumerable<Measurement<long>> MeasureQueued() => Measure(Reading.Queued);

    /// <summary>
    /// The <c>spillway.actor.count</c> callback: the actors alive right now, per actor type (zero for a type whose actors
    /// have all stopped). Read from the live tree at collection time, so a listener that attaches late sees the truth.
    /// </summary>
    public IEnumerable<Measurement<long>> MeasureLive() => Measure(Reading.Live);

    /// <summary>
    /// Claims the one-time "this actor has stopped" bookkeeping and folds the actor's totals into its type's retired
    /// totals, atomically with respect to the walks. Called once the actor's turns are over, so nothing adds to its
    /// totals afterwards.
    /// </summary>
    /// <returns><see langword="false"/> when the actor had already retired (a forced shutdown and the actor's own stop both get here).</returns>
    public bool TryRetire(ActorCell cell)
    {
        lock (_lock)
        {
            if (!cell.TryMarkStopped_NeedsLock())
            {
                return false;
            }

            if (TypeOf(cell) is { } type)
            {
                type.RetiredSent += cell.SentTotal;
                type.RetiredProcessed += cell.ProcessedTotal;
            }

            // Normally the children have all retired and left by now; after a forced shutdown some may live on.
            _orphans?.Remove(cell);
            foreach (var child in cell.SnapshotChildren())
            {
                if (!child.IsStopCounted_NeedsLock)
                {
                    (_orphans ??= []).Add(child);
                }
            }

            return true;
        }
    }

    /// <summary>
    /// Returns the live actors the metrics walk would count (for <see cref="ActorSystem.GetActorActivity"/>). The walk
    /// holds the lock as a collection does; the caller reads each actor's figures after it is released.
    /// </summary>
    public List<ActorCell> SnapshotLiveActors()
    {
        var live = new List<ActorCell>();
        lock (_lock)
        {
            PushRoots_NeedsLock();
            while (TryPopLive_NeedsLock(out var cell))
            {
                live.Add(cell);
            }
        }

        return live;
    }

    private Measurement<long>[] Measure(Reading reading)
    {
        lock (_lock)
        {
            foreach (var type in _types.Values)
            {
                type.Walked = 0;
            }

            PushRoots_NeedsLock();
            while (TryPopLive_NeedsLock(out var cell))
            {
                if (TypeOf(cell) is { } type)
                {
                    type.Walked += reading switch
                    {
                        Reading.Sent => cell.SentTotal,
                        Reading.Processed => cell.ProcessedTotal,
                        Reading.Queued => cell.QueuedCount,
                        _ => 1,
                    };
                }
            }

            var measurements = new Measurement<long>[_types.Count];
            var i = 0;
            foreach (var type in _types.Values)
            {
                var retired = reading switch
                {
                    Reading.Sent => type.RetiredSent,
                    Reading.Processed => type.RetiredProcessed,
                    _ => 0,
                };
                measurements[i++] = new Measurement<long>(type.Walked + retired, type.Tag, _systemTag);
            }

            return measurements;
        }
    }

    /// <summary>Starts a walk of the live tree: the top-level actors and the orphans (live children of retired actors).</summary>
    private void PushRoots_NeedsLock()
    {
        foreach (var root in _topLevel)
        {
            _pending.Push(root.Value);
        }

        if (_orphans is { } orphans)
        {
            foreach (var orphan in orphans)
            {
                _pending.Push(orphan);
            }
        }
    }

    /// <summary>The walk's next live actor, its children queued behind it; <see langword="false"/> once the walk is done.</summary>
    private bool TryPopLive_NeedsLock([NotNullWhen(true)] out ActorCell? cell)
    {
        while (_pending.TryPop(out cell))
        {
            // A retired actor's totals are already in its type's, and its children that live on are orphans: skip the
            // whole subtree, or those children would count twice.
            if (cell.IsStopCounted_NeedsLock)
            {
                continue;
            }

            cell.PushChildren(_pending);
            return true;
        }

        return false;
    }

    /// <summary>The totals of the actor's type, created on first sight; <see langword="null"/> before the actor has a type.</summary>
    private TypeTotals? TypeOf(ActorCell cell)
    {
        // The type tag is set once the first instance is built; a cell still being spawned has no totals yet.
        var tag = cell.TypeTag;
        if (tag.Value is not string name)
        {
            return null;
        }

        if (!_types.TryGetValue(name, out var type))
        {
            type = new TypeTotals(tag);
            _types.Add(name, type);
        }

        return type;
    }

    /// <summary>One actor type's numbers; every field guarded by <see cref="_lock"/>.</summary>
    private sealed class TypeTotals(KeyValuePair<string, object?> tag)
    {
        public KeyValuePair<string, object?> Tag { get; } = tag;

        /// <summary>Sent to actors of this type that have retired (appended to their lanes, dropped ones included).</summary>
        public long RetiredSent;

        /// <summary>Handled by actors of this type that have retired.</summary>
        public long RetiredProcessed;

        /// <summary>The current walk's sum over live actors of this type.</summary>
        public long Walked;
    }
}
