namespace Spillway.Actors.SystematicTests;

/// <summary>Collects the messages of every dead letter an actor system raises.</summary>
/// <remarks>Thread-safety: dead letters are raised on telling and stopping threads at once; the list is guarded by a lock.</remarks>
internal sealed class DeadLetterProbe
{
    private readonly object _gate = new();
    private readonly List<int> _messages = [];

    public DeadLetterProbe(ActorSystem system) => system.DeadLetterReceived += OnDeadLetter;

    public List<int> Snapshot()
    {
        lock (_gate)
        {
            return [.. _messages];
        }
    }

    private void OnDeadLetter(object? sender, DeadLetter deadLetter)
    {
        lock (_gate)
        {
            _messages.Add((int)deadLetter.Message!);
        }
    }
}
