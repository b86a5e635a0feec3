namespace Spillway.Actors;

/// <summary>A message that could not be delivered, as raised by <see cref="ActorSystem.DeadLetterReceived"/>.</summary>
/// <param name="Message">The undelivered message.</param>
/// <param name="Recipient">The path of the actor it was told to.</param>
/// <param name="Reason">Why it was not delivered.</param>
public readonly record struct DeadLetter(object? Message, string Recipient, DeadLetterReason Reason);
