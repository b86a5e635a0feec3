namespace Spillway.Samples.Dashboard;

/// <summary>
/// The sample's settings, bound from the <c>Dashboard</c> configuration section (appsettings.json, environment
/// variables such as <c>Dashboard__Port</c>, or the command line: <c>--port</c>, <c>--duration</c>, <c>--no-ui</c>).
/// </summary>
internal sealed class DashboardOptions
{
    public const string SectionName = "Dashboard";

    /// <summary>The path of the dashboard page on the web port.</summary>
    public const string PagePath = "/spillway";

    /// <summary>Gets or sets the port of the Prometheus endpoint, <c>http://127.0.0.1:{Port}/metrics</c>.</summary>
    public int Port { get; set; } = 9464;

    /// <summary>
    /// Gets or sets the port of the dashboard page, <c>http://127.0.0.1:{WebPort}/spillway</c>; when it is taken the
    /// sample picks a free one (and prints it), and 0 always does.
    /// </summary>
    public int WebPort { get; set; } = 9465;

    /// <summary>Gets or sets how long to run before stopping by itself, in seconds; 0 runs until Ctrl+C.</summary>
    public int DurationSeconds { get; set; }

    /// <summary>Gets or sets whether to skip the live terminal view and log to the console instead.</summary>
    public bool NoUi { get; set; }

    /// <summary>Gets or sets how many producer loops feed the pipeline.</summary>
    public int Producers { get; set; } = 3;

    /// <summary>Gets or sets the records per second of each producer between bursts.</summary>
    public int RatePerProducer { get; set; } = 1500;

    /// <summary>Gets or sets how much faster the producers run during a burst.</summary>
    public double BurstMultiplier { get; set; } = 2.5;

    /// <summary>Gets or sets the length of a burst, in seconds.</summary>
    public int BurstSeconds { get; set; } = 10;

    /// <summary>Gets or sets the calm time between bursts, in seconds.</summary>
    public int CalmSeconds { get; set; } = 20;

    /// <summary>Gets or sets how many parser actors share the producers.</summary>
    public int Parsers { get; set; } = 2;

    /// <summary>Gets or sets how many aggregator shards the enricher routes to.</summary>
    public int Aggregators { get; set; } = 4;

    /// <summary>Gets or sets the reading (0 to 100) from which an aggregator sends an alert to the slow archive.</summary>
    public double AlertThreshold { get; set; } = 97;

    /// <summary>Gets or sets how long the archive writer takes per alert, in milliseconds (a slow store).</summary>
    public int ArchiveWriteMilliseconds { get; set; } = 3;

    /// <summary>Gets or sets the archive writer's mailbox capacity; while it is full the aggregators wait for room.</summary>
    public int ArchiveCapacity { get; set; } = 300;

    /// <summary>Gets or sets how often a malformed record is sent, making a parser fail and restart, in seconds; 0 never.</summary>
    public int FailureIntervalSeconds { get; set; } = 5;

    /// <summary>Gets or sets how often a short-lived session actor is opened and closed, in seconds; 0 never.</summary>
    public int SessionIntervalSeconds { get; set; } = 3;

    /// <summary>Gets or sets how long the host waits for the mailboxes to drain when stopping, in seconds.</summary>
    public int ShutdownTimeoutSeconds { get; set; } = 10;

    /// <summary>Returns one message for each setting out of range.</summary>
    public IEnumerable<string> Validate()
    {
        if (Port is < 1 or > 65535)
        {
            yield return $"Dashboard:Port must be between 1 and 65535 (was {Port}).";
        }

        if (WebPort is < 0 or > 65535)
        {
            yield return $"Dashboard:WebPort (--web-port) must be between 0 and 65535 (was {WebPort}).";
        }

        if (DurationSeconds < 0)
        {
            yield return $"Dashboard:DurationSeconds (--duration) must be 0 or more (was {DurationSeconds}).";
        }

        if (Producers < 1 || Parsers < 1 || Aggregators < 1)
        {
            yield return $"Dashboard:Producers, Parsers and Aggregators must be at least 1 (were {Producers}, {Parsers}, {Aggregators}).";
        }

        if (RatePerProducer < 1 || BurstMultiplier < 1 || BurstSeconds < 0 || CalmSeconds < 1)
        {
            yield return "Dashboard:RatePerProducer and CalmSeconds must be at least 1, BurstMultiplier at least 1, BurstSeconds 0 or more.";
        }

        if (ArchiveWriteMilliseconds < 0 || ArchiveCapacity < 1)
        {
            yield return "Dashboard:ArchiveWriteMilliseconds must be 0 or more and ArchiveCapacity at least 1.";
        }

        if (FailureIntervalSeconds < 0 || SessionIntervalSeconds < 0 || ShutdownTimeoutSeconds < 0)
        {
            yield return "Dashboard:FailureIntervalSeconds, SessionIntervalSeconds and ShutdownTimeoutSeconds must be 0 or more.";
        }
    }
}
