namespace Spillway.Actors.Dashboard;

/// <summary>Settings of the dashboard (<c>services.AddSpillwayDashboard(o => ...)</c>); checked when the host starts.</summary>
public sealed class SpillwayDashboardOptions
{
    /// <summary>
    /// Gets or sets how many seconds of per-second history the charts keep (60 to 3600; default 600, ten minutes).
    /// Memory is fixed by it: a few kilobytes per actor type per minute.
    /// </summary>
    public int HistorySeconds { get; set; } = 600;

    /// <summary>Gets or sets the window of the lane depth and handler time percentiles, in seconds (1 to 60; default 10).</summary>
    public int WindowSeconds { get; set; } = 10;

    /// <summary>Gets or sets how many of the busiest actors the page lists (0 to 100; default 10; 0 skips the walk of the live actors).</summary>
    public int BusiestActorCount { get; set; } = 10;

    /// <summary>Returns one message per setting out of range; none when the options are valid.</summary>
    internal IEnumerable<string> Validate()
    {
        if (HistorySeconds is < 60 or > 3600)
        {
            yield return $"SpillwayDashboardOptions.HistorySeconds must be between 60 and 3600 (was {HistorySeconds}).";
        }

        if (WindowSeconds is < 1 or > 60)
        {
            yield return $"SpillwayDashboardOptions.WindowSeconds must be between 1 and 60 (was {WindowSeconds}).";
        }

        if (BusiestActorCount is < 0 or > 100)
        {
            yield return $"SpillwayDashboardOptions.BusiestActorCount must be between 0 and 100 (was {BusiestActorCount}).";
        }
    }
}
