using Spillway.Actors;

namespace Spillway.Samples.Dashboard.Pipeline;

/// <summary>
/// A short-lived actor: it takes events until it is told <see cref="SessionEvent.Close"/>, then stops. Events that
/// were still queued behind the close, or told after it, become dead letters (reason <c>actor_stopped</c>).
/// </summary>
internal sealed class Session : Actor<SessionEvent>
{
    private int _events;

    protected override ValueTask ReceiveAsync(SessionEvent message)
    {
        if (message is SessionEvent.Close)
        {
            Context.Stop();
        }
        else
        {
            _events++;
        }

        return default;
    }

    protected override ValueTask OnStoppedAsync()
    {
        Log.SessionClosed(Context.Logger, Context.Name, _events);
        return default;
    }
}
