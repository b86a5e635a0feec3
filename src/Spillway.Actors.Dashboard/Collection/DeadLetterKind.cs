namespace Spillway.Actors.Dashboard.Collection;

/// <summary>The reasons of the <c>spillway.deadletter.reason</c> attribute, as indexes into per-reason counters.</summary>
internal static class DeadLetterKind
{
    /// <summary>The attribute values in index order; the last, "unknown", takes any value not listed.</summary>
    public static readonly string[] Names = ["actor_stopped", "mailbox_full", "system_shutdown", "unknown"];

    public static int IndexOf(string? reason)
    {
        for (var i = 0; i < Names.Length - 1; i++)
        {
            if (string.Equals(Names[i], reason, StringComparison.Ordinal))
            {
                return i;
            }
        }

        return Names.Length - 1;
    }
}
