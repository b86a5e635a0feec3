namespace Spillway.Actors.TestKit;

/// <summary>Creates <see cref="Reply{T}"/> objects outside an ask, so a test can call a handler directly and await its answer.</summary>
public static class TestReply
{
    /// <summary>Creates a reply and the task it completes.</summary>
    /// <typeparam name="T">The reply type.</typeparam>
    /// <returns>
    /// The pair: put <see cref="TestReply{T}.Reply"/> in the request message, hand the message to the handler (for
    /// instance with <see cref="ActorHandler.ReceiveAsync{TMsg}"/>), then await <see cref="TestReply{T}.Task"/>.
    /// </returns>
    public static TestReply<T> Create<T>() => new();
}
