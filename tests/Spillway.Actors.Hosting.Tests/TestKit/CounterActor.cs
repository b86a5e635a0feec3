namespace Spillway.Actors.Hosting.Tests.TestKit;

/// <summary>
/// Counts the pings it handles (per instance) and does what each ping asks (see <see cref="Ping"/>). Its class name,
/// <c>CounterActor</c>, is the <c>spillway.actor.type</c> metric attribute the tests look for.
/// </summary>
internal sealed class CounterActor : Actor<Ping>
{
    public int Count { get; private set; }

    protected override async ValueTask ReceiveAsync(Ping message)
    {
        message.Entered?.TrySetResult();
        if (message.Gate is { } gate)
        {
            await gate;
        }

        message.Block?.Wait(Wait.Timeout);
        if (message.Fail)
        {
            throw Ping.Failure;
        }

        Count++;
        message.Reply?.Send(Count);
    }
}
