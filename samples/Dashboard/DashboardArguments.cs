namespace Spillway.Samples.Dashboard;

/// <summary>Turns the sample's command-line switches into configuration keys of the <c>Dashboard</c> section.</summary>
internal static class DashboardArguments
{
    public const string Usage = """
        Spillway.Actors dashboard sample: an actor pipeline with a slow consumer, its metrics on a Prometheus
        endpoint, a live dashboard page, and a live terminal view of the same figures.

        usage: dotnet run --project samples/Dashboard [-- options]

          --port <port>          Prometheus endpoint port on 127.0.0.1 (default 9464)
          --web-port <port>      dashboard page port on 127.0.0.1 (default 9465; 0 or taken: a free one)
          --duration <seconds>   stop by itself after this many seconds (default: run until Ctrl+C)
          --no-ui                no terminal view; log to the console instead
          --rate <per second>    records per second of each producer between bursts (default 1500)
          --Dashboard:<Setting>=<value>  any other setting of appsettings.json
        """;

    /// <summary>Gets the short switches and the configuration keys they set.</summary>
    public static IDictionary<string, string> SwitchMappings { get; } = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
    {
        ["--port"] = $"{DashboardOptions.SectionName}:{nameof(DashboardOptions.Port)}",
        ["--web-port"] = $"{DashboardOptions.SectionName}:{nameof(DashboardOptions.WebPort)}",
        ["--duration"] = $"{DashboardOptions.SectionName}:{nameof(DashboardOptions.DurationSeconds)}",
        ["--rate"] = $"{DashboardOptions.SectionName}:{nameof(DashboardOptions.RatePerProducer)}",
    };

    /// <summary>Returns whether the arguments ask for the usage text.</summary>
    public static bool WantsHelp(string[] args) =>
        args.Any(a => a is "-h" or "--help" or "-?" or "/?");

    /// <summary>
    /// Rewrites the value-less flag <c>--no-ui</c> as <c>--Dashboard:NoUi=true</c>: the command-line configuration
    /// provider expects a value after every <c>--key</c>.
    /// </summary>
    public static string[] Normalize(string[] args) =>
        [.. args.Select(a => string.Equals(a, "--no-ui", StringComparison.OrdinalIgnoreCase)
            ? $"--{DashboardOptions.SectionName}:{nameof(DashboardOptions.NoUi)}=true"
            : a)];
}
