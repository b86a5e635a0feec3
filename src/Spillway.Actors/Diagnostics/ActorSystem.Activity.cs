using System.Runtime.CompilerServices;

namespace Spillway.Actors;

/// <summary>The read-only view of the live actors for diagnostics (a dashboard's busiest actors).</summary>
public sealed partial class ActorSystem
{
    /// <summary>
    /// Gets the box holding <see cref="ActorMetrics.SampleEpoch"/>, held here as well so that an actor's lane take reads
    /// the epoch two loads away from its cell rather than three (see ActorMailbox's lane-depth sampling).
    /// </summary>
    internal StrongBox<int> LaneDepthEpoch { get; }

    /// <summary>
    /// Returns the figures of every live actor (children included) as they are now: path, type, queued messages and
    /// the running totals of processed and sent messages. Meant for diagnostics polled about once a second (a
    /// dashboard ranks the busiest actors by the change of <see cref="ActorActivity.Processed"/> between two calls).
    /// </summary>
    /// <remarks>
    /// Costs one walk of the live actors, as a metrics collection does, and one string per actor for its path; a tell or
    /// a turn pays nothing for it. Each actor's figures are read with volatile reads, without stopping it, so they are a
    /// racy snapshot; an actor that is still being spawned (no instance yet) or has stopped is left out. Safe from any
    /// thread, during and after shutdown (it then returns the actors still alive, or none).
    /// </remarks>
    /// <returns>A new list, in no particular order; empty when no actor is alive.</returns>
    public IReadOnlyList<ActorActivity> GetActorActivity()
    {
        var cells = MailboxTotals.SnapshotLiveActors();
        var activity = new List<ActorActivity>(cells.Count);
        foreach (var cell in cells)
        {
            // Read outside the walk's lock: a path is built per call, and the figures are volatile reads anyway.
            if (cell.TypeTag.Value is string type && !cell.IsStopped)
            {
                activity.Add(new ActorActivity(cell.Path, type, cell.QueuedCount, cell.ProcessedTotal, cell.SentTotal));
            }
        }

        return activity;
    }
}
