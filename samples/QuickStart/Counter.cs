using Spillway.Actors;

namespace QuickStart;

/// <summary>
/// An actor that sums what it is told. No locks: the runtime runs one message at a time, and each producer's messages
/// arrive in the order that producer told them (every producer has its own reference, so its own lane).
/// </summary>
public sealed class Counter : Actor<CounterMessage>
{
    private readonly Dictionary<int, long> _lastSequence = [];
    private long _total;
    private long _messages;
    private bool _inOrder = true;

    /// <inheritdoc/>
    protected override ValueTask ReceiveAsync(CounterMessage message)
    {
        switch (message)
        {
            case CounterMessage.Add add:
                _total += add.Amount;
                _messages++;
                _inOrder &= _lastSequence.GetValueOrDefault(add.Producer, -1) + 1 == add.Sequence;
                _lastSequence[add.Producer] = add.Sequence;
                break;
            case CounterMessage.Report report:
                report.Reply.Send(new CounterReport(_total, _messages, _inOrder));
                break;
        }

        return default;
    }
}
