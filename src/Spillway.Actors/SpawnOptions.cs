namespace Spillway.Actors;

/// <summary>Per-actor settings given at spawn: supervision and mailbox shape.</summary>
/// <remarks>Read once, when the actor is spawned.</remarks>
public sealed class SpawnOptions
{
    /// <summary>The mailbox lane count when none is given.</summary>
    public const int DefaultMailboxLanes = 4;

    /// <summary>
    /// Gets what happens when the actor's handler throws. <see langword="null"/> (the default) uses the parent's
    /// strategy, or <see cref="ActorSystemOptions.DefaultSupervision"/> for a top-level actor.
    /// </summary>
    public SupervisionStrategy? Supervision { get; init; }

    /// <summary>
    /// Gets the number of lanes of the actor's mailbox. References (<see cref="ActorRef{TMsg}.Clone"/>) take lanes
    /// round-robin and share them beyond this count; lanes are created when first used, so an actor with one
    /// reference holds one. Default <see cref="DefaultMailboxLanes"/>; must be at least 1.
    /// </summary>
    public int MailboxLanes { get; init; } = DefaultMailboxLanes;

    /// <summary>
    /// Gets the soft bound on queued messages, or <see langword="null"/> (the default) for an unbounded mailbox. A
    /// message told (<see cref="ActorRef{TMsg}.Tell"/>) to a full mailbox is handled as <see cref="MailboxOverflow"/>
    /// says (by default it becomes a dead letter with <see cref="DeadLetterReason.MailboxFull"/>); telling never blocks.
    /// <see cref="ActorRef{TMsg}.TellAsync"/> waits for room instead, and <see cref="ActorRef{TMsg}.TryTell"/> returns
    /// <see langword="false"/>. Room comes back as the actor handles each message.
    /// </summary>
    public int? MailboxCapacity { get; init; }

    /// <summary>
    /// Gets what a plain <see cref="ActorRef{TMsg}.Tell"/> into a full bounded mailbox does: <see cref="MailboxOverflow.DeadLetter"/>
    /// (the default: the new message becomes a dead letter) or <see cref="MailboxOverflow.DropOldest"/> (the oldest
    /// queued message does). Ignored for an unbounded mailbox. Must be a defined <see cref="Actors.MailboxOverflow"/> value.
    /// </summary>
    public MailboxOverflow MailboxOverflow { get; init; }

    internal static SpawnOptions Default { get; } = new();

    /// <summary>Throws for the problem <see cref="FindProblem"/> reports, if any. Allocates nothing when the options are valid (every spawn checks).</summary>
    /// <exception cref="ArgumentOutOfRangeException">A value is out of range.</exception>
    internal void Validate()
    {
        if (FindProblem() is { } problem)
        {
            throw new ArgumentOutOfRangeException(problem.Property, problem.Value, problem.Message);
        }
    }

    /// <summary>The first problem of these options, or <see langword="null"/>: for <see cref="Validate"/> and the system options' validation.</summary>
    internal (string Property, string Message, object? Value)? FindProblem()
    {
        if (LaneSetShape.FindLaneCountProblem(MailboxLanes) is { } lanesProblem)
        {
            return (nameof(MailboxLanes), $"MailboxLanes {lanesProblem}: a mailbox needs at least one lane.", MailboxLanes);
        }

        if (LaneSetShape.FindCapacityProblem(MailboxCapacity) is { } capacityProblem)
        {
            return (nameof(MailboxCapacity), $"MailboxCapacity {capacityProblem}.", MailboxCapacity);
        }

        if (!Enum.IsDefined(MailboxOverflow))
        {
            return (nameof(MailboxOverflow), $"MailboxOverflow must be a defined MailboxOverflow value (was {MailboxOverflow}).", MailboxOverflow);
        }

        return null;
    }
}
