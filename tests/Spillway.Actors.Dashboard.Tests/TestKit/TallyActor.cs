namespace Spillway.Actors.Dashboard.Tests.TestKit;

/// <summary>Counts the messages it handles and signals its <see cref="Tally"/> when the expected total is reached; its class name is the actor type the tests look for.</summary>
internal sealed class TallyActor(Tally tally) : Actor<int>
{
    protected override ValueTask ReceiveAsync(int message)
    {
        tally.Add();
        return default;
    }
}

/// <summary>A count shared by the <see cref="TallyActor"/>s of a test, with a signal at the expected total.</summary>
internal sealed class Tally(int expected)
{
    private int _count;

    public int Expected => expected;

    public TaskCompletionSource Done { get; } = Wait.Signal();

    public void Add()
    {
        if (Interlocked.Increment(ref _count) == expected)
        {
            Done.TrySetResult();
        }
    }
}
