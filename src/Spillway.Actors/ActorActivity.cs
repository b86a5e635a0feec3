namespace Spillway.Actors;

/// <summary>
/// One live actor's mailbox figures at the moment <see cref="ActorSystem.GetActorActivity"/> read them: counts only,
/// never a message.
/// </summary>
/// <param name="Path">The actor's path (<c>spillway://system/parent/name</c>).</param>
/// <param name="ActorType">The actor's class name, as the <c>spillway.actor.type</c> metric attribute spells it.</param>
/// <param name="Queued">Messages waiting in its mailbox (a racy snapshot).</param>
/// <param name="Processed">Messages it has handed to its handler since it was spawned (restarts included).</param>
/// <param name="Sent">Messages appended to its mailbox since it was spawned.</param>
public readonly record struct ActorActivity(string Path, string ActorType, long Queued, long Processed, long Sent);
