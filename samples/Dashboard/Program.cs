using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
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
var builder = WebApplication.CreateBuilder(new WebApplicationOptions
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

// The dashboard page: http://127.0.0.1:{WebPort}/spillway, or a free port when that one is taken.
var webPort = options.WebPort != 0 && IsPortFree(options.WebPort) ? options.WebPort : 0;
builder.WebHost.UseUrls($"http://127.0.0.1:{webPort}");

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

// The live page's data: the Spillway.Actors meter, in-process, one point a second. The terminal view reads the same.
builder.Services.AddSpillwayDashboard();

// Hosted services start in this order and stop in reverse: the producers stop first, then the actor system drains
// its mailboxes (the view and the page still watching), then the view, the dashboard and the exporter go.
if (interactive)
{
    builder.Services.AddHostedService<TerminalView>();
}

builder.Services.AddSpillwayActors(builder.Configuration.GetSection("Spillway"));
builder.Services.AddSingleton<RegionCatalog>();
builder.Services.AddHostedService<WorkloadService>();

await using var app = builder.Build();
app.MapSpillwayDashboard(DashboardOptions.PagePath);
using var stopAfter = new CancellationTokenSource();
if (options.DurationSeconds > 0)
{
    stopAfter.CancelAfter(TimeSpan.FromSeconds(options.DurationSeconds));
}

try
{
    await app.StartAsync(stopAfter.Token);
    var pageUrl = TerminalView.PageUrl(app.Services.GetRequiredService<IServer>()) ?? "(not listening)";
    Log.PageListening(app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Spillway.Samples.Dashboard"), pageUrl);
    await app.WaitForShutdownAsync(stopAfter.Token);
}
catch (OperationCanceledException) when (stopAfter.IsCancellationRequested)
{
    // --duration ran out while the host was still starting.
}
catch (IOException error) when (error.InnerException is Microsoft.AspNetCore.Connections.AddressInUseException)
{
    // Taken between the check above and the web server's start.
    Console.Error.WriteLine($"The dashboard page could not listen on 127.0.0.1:{webPort}: {error.Message}. Try --web-port <another>, or 0 for any free port.");
    return 1;
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
