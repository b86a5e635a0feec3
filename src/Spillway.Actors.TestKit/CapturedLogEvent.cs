using Microsoft.Extensions.Logging;

namespace Spillway.Actors.TestKit;

/// <summary>A log event written by the actor system or its actors, as captured by an <see cref="ActorTestKit"/>.</summary>
/// <param name="Category">The logger's category (a type name, such as <c>Spillway.Actors.ActorSystem</c>).</param>
/// <param name="Level">The level.</param>
/// <param name="EventId">The event id.</param>
/// <param name="Message">The formatted message.</param>
/// <param name="Exception">The exception logged with it, if any.</param>
public sealed record CapturedLogEvent(string Category, LogLevel Level, EventId EventId, string Message, Exception? Exception);
