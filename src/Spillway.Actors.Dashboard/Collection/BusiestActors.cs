using Spillway.Actors.Dashboard.Model;

namespace Spillway.Actors.Dashboard.Collection;

/// <summary>
/// Ranks the live actors of the attached systems by messages handled since the previous tick, then by queued
/// messages, from <see cref="ActorSystem.GetActorActivity"/>. Keeps only the previous tick's totals of the actors alive
/// then, so its memory follows the live actors, not their past peak.
/// </summary>
/// <remarks>Thread-safety: tick thread only.</remarks>
internal sealed class BusiestActors(int count)
{
    private Dictionary<string, long> _previous = new(StringComparer.Ordinal);

    public IReadOnlyList<DashboardActor> Rank(IReadOnlyList<ActorSystem> systems, double elapsedSeconds)
    {
        if (count == 0 || systems.Count == 0)
        {
            return [];
        }

        var seconds = Math.Max(elapsedSeconds, 0.001);
        var current = new Dictionary<string, long>(_previous.Count, StringComparer.Ordinal);
        var busy = new List<DashboardActor>();
        foreach (var system in systems)
        {
            foreach (var actor in system.GetActorActivity())
            {
                current[actor.Path] = actor.Processed;
                var rate = _previous.TryGetValue(actor.Path, out var before) ? Math.Max(0, actor.Processed - before) / seconds : 0;
                if (rate > 0 || actor.Queued > 0)
                {
                    busy.Add(new DashboardActor(actor.Path, actor.ActorType, rate, actor.Queued, actor.Processed));
                }
            }
        }

        _previous = current;
        busy.Sort(static (a, b) =>
        {
            var byRate = b.ProcessedPerSecond.CompareTo(a.ProcessedPerSecond);
            return byRate != 0 ? byRate : b.Queued.CompareTo(a.Queued);
        });
        return busy.Count > count ? busy.GetRange(0, count) : busy;
    }
}
