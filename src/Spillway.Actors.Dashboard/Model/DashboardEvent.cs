namespace Spillway.Actors.Dashboard.Model;

/// <summary>Restarts or dead letters of one actor type in one second of the history (the page's event strip).</summary>
public sealed class DashboardEvent
{
    /// <summary>The <see cref="Kind"/> of restarts; dead letters are named by their <c>spillway.deadletter.reason</c>.</summary>
    public const string RestartKind = "restart";

    internal DashboardEvent(int secondsAgo, string kind, long count)
    {
        SecondsAgo = secondsAgo;
        Kind = kind;
        Count = count;
    }

    /// <summary>Gets how many seconds before the snapshot this second ended (0 is the latest second).</summary>
    public int SecondsAgo { get; }

    /// <summary>Gets <see cref="RestartKind"/>, or the dead-letter reason: <c>actor_stopped</c>, <c>mailbox_full</c>, <c>system_shutdown</c> or <c>unknown</c>.</summary>
    public string Kind { get; }

    /// <summary>Gets how many happened in that second (at least 1).</summary>
    public long Count { get; }
}
