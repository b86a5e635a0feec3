namespace Spillway.Actors;

/// <summary>What happens to an actor whose message handler threw.</summary>
public enum SupervisionDirective
{
    /// <summary>Skip the failing message and go on with the next one; the actor keeps its state.</summary>
    Resume,

    /// <summary>
    /// Replace the instance with a new one from the actor's factory. The mailbox, its queued messages and the actor's
    /// references stay; the failing message is not processed again.
    /// </summary>
    Restart,

    /// <summary>Stop the actor. Messages still queued become dead letters.</summary>
    Stop,
}
