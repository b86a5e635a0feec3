namespace Spillway.Actors;

/// <summary>
/// The runtime itself cannot build an actor by type (no usable constructor, a dependency the container cannot resolve):
/// a bad spawn argument, which the spawn reports as an <see cref="ArgumentException"/> naming the actor. Exceptions of
/// the constructor itself are never wrapped in it.
/// </summary>
internal sealed class ActorActivationException(string message, Exception? innerException) : ArgumentException(message, innerException);
