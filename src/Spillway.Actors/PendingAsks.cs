using System.Runtime.CompilerServices;

namespace Spillway.Actors;

/// <summary>
/// The asks whose requests an actor's mailbox has accepted and whose replies are still pending, so that a request the
/// mailbox drops (the actor stopped before handling it) fails its ask at once instead of leaving it to time out.
/// </summary>
/// <remarks>
/// Thread-safety: asks register from any thread and a stopping actor looks them up from its turn (or a forced shutdown);
/// both take the lock of the entry list. Nothing here is on the tell path: only <see cref="ActorRef{TMsg}.Ask"/> and a
/// closing mailbox come here. Actors are kept in a <see cref="ConditionalWeakTable{TKey, TValue}"/>, so an actor that
/// is never asked costs nothing and a collected actor takes its entries with it.
/// </remarks>
internal sealed class PendingAsks
{
    private readonly ConditionalWeakTable<ActorCell, List<PendingAsk>> _byActor = new();

    /// <summary>Registers an ask before its request is appended, so a close can never drop the request unseen.</summary>
    public PendingAsk<TMsg, TReply> Register<TMsg, TReply>(ActorCell actor, TMsg request, Reply<TReply> reply)
    {
        var pending = new PendingAsk<TMsg, TReply>(this, actor, request, reply);
        var entries = _byActor.GetValue(actor, static _ => []);
        lock (entries)
        {
            // Ended asks (answered, timed out, cancelled) are forgotten here, on the next ask to the same actor, so an
            // ask costs no clean-up of its own; a dropped request's ask is removed when it is failed.
            entries.RemoveAll(static entry => entry.IsCompleted);
            entries.Add(pending);
        }

        return pending;
    }

    /// <summary>Forgets an ask whose request the mailbox refused.</summary>
    public void Unregister(ActorCell actor, PendingAsk pending)
    {
        if (_byActor.TryGetValue(actor, out var entries))
        {
            lock (entries)
            {
                entries.Remove(pending);
            }
        }
    }

    /// <summary>Gets how many asks to <paramref name="actor"/> are registered (for tests).</summary>
    public int CountFor(ActorCell actor)
    {
        if (!_byActor.TryGetValue(actor, out var entries))
        {
            return 0;
        }

        lock (entries)
        {
            return entries.Count;
        }
    }

    /// <summary>Fails the asks whose requests are among the messages the closing mailbox of <paramref name="actor"/> dropped.</summary>
    public void FailDropped<TMsg>(ActorCell actor, List<TMsg> dropped, string recipient)
    {
        if (dropped.Count == 0 || !_byActor.TryGetValue(actor, out var entries))
        {
            return;
        }

        List<PendingAsk>? failed = null;
        lock (entries)
        {
            foreach (var message in dropped)
            {
                var index = entries.FindIndex(entry => entry is PendingAsk<TMsg> typed && typed.IsRequest(message));
                if (index >= 0)
                {
                    (failed ??= []).Add(entries[index]);
                    entries.RemoveAt(index);
                }
            }
        }

        // Outside the lock: failing a reply runs its continuations' scheduling, never while a lock is held.
        foreach (var pending in failed ?? [])
        {
            pending.FailAsDeadLetter(recipient);
        }
    }
}
