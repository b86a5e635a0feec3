using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Spectre.Console;
using Spillway.Actors;
using Spillway.Actors.Dashboard;

namespace Spillway.Samples.Dashboard.View;

/// <summary>
/// The live terminal view (Spectre.Console): once a second, the same figures as the dashboard page, from the same
/// collector, in a frame that fits 80x24 (<see cref="DashboardFrame"/>), drawn on the terminal's alternate screen.
/// </summary>
/// <remarks>
/// Registered before <c>AddSpillwayActors</c>, so the host stops it after the actor system: while the mailboxes drain
/// on Ctrl+C the view keeps showing them.
/// </remarks>
internal sealed class TerminalView(
    SpillwayDashboardCollector collector,
    RecentLogProvider logs,
    ActorSystem system,
    IServer server,
    IOptions<DashboardOptions> options) : BackgroundService
{
    private readonly DateTime _started = DateTime.UtcNow;

    /// <summary>Gets the page's address once the web server listens, else <see langword="null"/>.</summary>
    public static string? PageUrl(IServer server) =>
        server.Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault() is { } address
            ? address.TrimEnd('/') + DashboardOptions.PagePath
            : null;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Alternate screen, cursor hidden: the view replaces itself in place and the shell comes back intact.
        Console.Write("\e[?1049h\e[?25l\e[H\e[J");
        try
        {
            await AnsiConsole.Live(Frame())
                .Overflow(VerticalOverflow.Ellipsis)
                .Cropping(VerticalOverflowCropping.Bottom)
                .StartAsync(async context =>
                {
                    using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
                    while (await timer.WaitForNextTickAsync(stoppingToken))
                    {
                        context.UpdateTarget(Frame());
                        context.Refresh();
                    }
                });
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // The host is stopping.
        }
        finally
        {
            Console.Write("\e[?25h\e[?1049l");
            Console.WriteLine(Summary());
        }
    }

    private Spectre.Console.Rendering.IRenderable Frame() => DashboardFrame.Build(
        collector.Latest,
        new FrameHeader(system.Name, DateTime.UtcNow - _started, PageUrl(server), $"http://127.0.0.1:{options.Value.Port}/metrics"),
        logs.Snapshot());

    private string Summary()
    {
        // The collector's latest second: the actor system has drained and stopped by now (it stops before this view).
        var text = new StringBuilder("Spillway.Actors dashboard stopped. Totals and what was left queued:");
        foreach (var type in collector.Latest.ActorTypes)
        {
            text.Append(CultureInfo.InvariantCulture, $"{Environment.NewLine}  {type.Name,-16}{type.Processed,12:N0} processed, {type.Queued,7:N0} queued, {type.Restarts,4:N0} restarts, {type.DeadLetters,7:N0} dead letters");
        }

        return text.ToString();
    }
}
