namespace Spillway.Actors.Hosting.Tests.TestKit;

internal static class PingExtensions
{
    /// <summary>Asks for the count: returns once every ping told before through this reference has been handled.</summary>
    public static Task<int> SyncAsync(this ActorRef<Ping> actor) => actor.Ask<int>(reply => new Ping(reply), Wait.Timeout).AsTask();

    public static void TellMany(this ActorRef<Ping> actor, int count)
    {
        for (var i = 0; i < count; i++)
        {
            actor.Tell(new Ping());
        }
    }
}
