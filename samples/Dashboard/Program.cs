using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using Spillway.Samples.Dashboard;
using Spillway.Samples.Dashboard.Pipeline;
using Spillway.Samples.Dashboard.View;

if (DashboardArguments.WantsHelp(args))
{
    Console.WriteLine(DashboardArguments.Usage);
    return 0;
}

var arguments = DashboardArguments.Normalize(args);
var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
{
    // appsettings.json is copied next to the binary, so `dotnet run --project` finds it from any directory.
    ContentRootPath = AppContext.BaseDirectory,
});
builder.Configuration.AddCommandLine(arguments, DashboardArguments.SwitchMappings);

var section = builder.Configuration.GetSection(DashboardOptions.SectionName);
var options = section.Get<DashboardOptions>() ?? new DashboardOptions();
var problems = options.Validate().ToList();
if (problems.Count > 0)
{
    Console.Error.WriteLine(string.Join(Environment.NewLine, problems));
    Console.Error.WriteLine("Run with --help for the options.");
    return 2;
}

if (!IsPortFree(options.Port))
{
    Console.Error.WriteLine($"Port {options.Port} on 127.0.0.1 is taken, so the Prometheus endpoint cannot listen there. Pick another with --port <port>.");
    return 1;
}

builder.Services.AddOptions<DashboardOptions>().Bind(section);
builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(options.ShutdownTimeoutSeconds));
builder.Services.TryAddSingleton(TimeProvider.System);

// The live view draws on the terminal, so log lines go to its "recent log" panel instead of over it. Without a
// terminal (output redirected, or --no-ui) the sample logs to the console as usual.
var interactive = !options.NoUi && !Console.IsOutputRedirected;
if (interactive)
{
    var recentLogs = new RecentLogProvider(capacity: 8);
    builder.Logging.ClearProviders().AddProvider(recentLogs);
    builder.Services.AddSingleton(recentLogs);
}
else
{
    builder.Logging.ClearProviders().AddSimpleConsole(o =>
    {
        o.SingleLine = true;
        o.TimestampFormat = "HH:mm:ss ";
    });
}

// Metrics: the Spillway.Actors meter, exported for Prometheus at http://127.0.0.1:{port}/metrics.
builder.Services.AddOpenTelemetry()
    .ConfigureResource(resource => resource.AddService("spillway-dashboard-sample"))
    .WithMetrics(metrics => metrics
        .AddSpillwayActorsInstrumentation()
        .AddPrometheusHttpListener(exporter =>
        {
            exporter.Host = "127.0.0.1";
            exporter.Port = options.Port;
        }));

// Hosted services start in this order and stop in reverse: the producers stop first, then the actor system drains
// its mailboxes (the view still watching), then the view and the exporter go.
if (interactive)
{
    builder.Services.AddSingleton<MetricsSampler>();
    builder.Services.AddHostedService<TerminalView>();
}

builder.Services.AddSpillwayActors(builder.Configuration.GetSection("Spillway"));
builder.Services.AddSingleton<RegionCatalog>();
builder.Services.AddHostedService<WorkloadService>();

using var host = builder.Build();
using var stopAfter = new CancellationTokenSource();
if (options.DurationSeconds > 0)
{
    stopAfter.CancelAfter(TimeSpan.FromSeconds(options.DurationSeconds));
}

try
{
    await host.RunAsync(stopAfter.Token);
}
catch (Exception error) when (error.InnerException is HttpListenerException listenerError)
{
    // Taken between the check above and the exporter's start.
    Console.Error.WriteLine($"The Prometheus endpoint could not listen on http://127.0.0.1:{options.Port}/metrics: {listenerError.Message}. Try --port <another>.");
    return 1;
}

return 0;

static bool IsPortFree(int port)
{
    try
    {
        var probe = new TcpListener(IPAddress.Loopback, port);
        probe.Start();
        probe.Stop();
        return true;
    }
    catch (SocketException)
    {
        return false;
    }
}
