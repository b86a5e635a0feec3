using Spillway.Actors;

await using var system = ActorSystem.Create();
var counter = system.Spawn<Counter, CounterMessage>("counter");
var mine = counter.Clone();                 // another reference: its own lane, its own order
mine.Tell(new CounterMessage.Add(2));
counter.Tell(new CounterMessage.Add(3));

// An ask is handled after every message told to the actor before it, through any reference.
var total = await counter.Ask<long>(reply => new CounterMessage.Report(reply), TimeSpan.FromSeconds(5));
Console.WriteLine($"total = {total}");      // total = 5
return total == 5 ? 0 : 1;

public abstract record CounterMessage
{
    public sealed record Add(long Amount) : CounterMessage;
    public sealed record Report(Reply<long> Reply) : CounterMessage;
}

public sealed class Counter : Actor<CounterMessage>
{
    private long _total;   // no lock: one message at a time

    protected override ValueTask ReceiveAsync(CounterMessage message)
    {
        switch (message)
        {
            case CounterMessage.Add add: _total += add.Amount; break;
            case CounterMessage.Report report: report.Reply.Send(_total); break;
        }

        return default;
    }
}
