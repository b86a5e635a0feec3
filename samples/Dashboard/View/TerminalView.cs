using System.Globalization;
using System.Text;
using static System.FormattableString;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Spillway.Actors;

namespace Spillway.Samples.Dashboard.View;

/// <summary>
/// The live terminal view: once a second, mailbox throughput, queued messages and lane depth per actor type, the
/// scheduler's load, dead letters by reason and the latest log lines, drawn on the terminal's alternate screen.
/// </summary>
/// <remarks>
/// Registered before <c>AddSpillwayActors</c>, so the host stops it after the actor system: while the mailboxes drain
/// on Ctrl+C the view keeps showing them.
/// </remarks>
internal sealed class TerminalView(
    MetricsSampler sampler,
    RecentLogProvider logs,
    ActorSystem system,
    IOptions<DashboardOptions> options) : BackgroundService
{
    private const int BarWidth = 20;
    private static readonly CultureInfo s_culture = CultureInfo.InvariantCulture;
    private readonly DateTime _started = DateTime.UtcNow;
    private DashboardSnapshot? _last;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Alternate screen, cursor hidden: the view replaces itself in place and the shell comes back intact.
        Console.Write("\e[?1049h\e[?25l");
        try
        {
            using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
            do
            {
                _last = sampler.Sample();
                Console.Write(Render(_last));
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // The host is stopping.
        }
        finally
        {
            Console.Write("\e[?25h\e[?1049l");
            if (_last is not null)
            {
                // A fresh sample: the actor system has drained and stopped by now (it stops before this view).
                Console.WriteLine(Summary(sampler.Sample()));
            }
        }
    }

    private string Render(DashboardSnapshot snapshot)
    {
        var port = options.Value.Port;
        var width = WindowWidth();
        var text = new StringBuilder();
        text.Append("\e[H");
        Line(text, Invariant($"\e[1mSpillway.Actors dashboard\e[0m  system '{system.Name}'  up {DateTime.UtcNow - _started:hh\\:mm\\:ss}  metrics: http://127.0.0.1:{port}/metrics  (Ctrl+C stops)"));
        Line(text, string.Empty);
        Line(text, Invariant($"\e[1m{"actor type",-16}{"processed/s",12}{"sent/s",10}{"queued",9}{"lane avg",10}{"lane max",10}{"handler ms",12}{"live",6}{"restarts",10}{"dead",8}\e[0m"));
        foreach (var row in snapshot.Rows)
        {
            Line(text, Invariant($"{row.ActorType,-16}{row.ProcessedPerSecond,12:N0}{row.SentPerSecond,10:N0}{row.Queued,9:N0}{row.LaneDepthAverage,10:N1}{row.LaneDepthMax,10:N0}{row.HandlerMillisecondsAverage,12:N3}{row.LiveActors,6:N0}{row.Restarts,10:N0}{row.DeadLetters,8:N0}"));
        }

        Line(text, "\e[2mper second over the last second; lane avg/max: depth of the mailbox lanes taken in the last 10 s; restarts, dead: since start\e[0m");
        Line(text, string.Empty);
        Line(text, "\e[1mqueued\e[0m: messages waiting (bar: share of the largest)   \e[1mdeepest lane\e[0m taken in the last 10 s (bar: log2)");
        var largest = Math.Max(1, snapshot.Rows.Count == 0 ? 1 : snapshot.Rows.Max(r => r.Queued));
        foreach (var row in snapshot.Rows)
        {
            var queuedBar = Bar((double)Math.Max(0, row.Queued) / largest);
            var depthBar = Bar(row.LaneDepthMax <= 0 ? 0 : Math.Min(1, (Math.Log2(row.LaneDepthMax) + 1) / 17));
            Line(text, Invariant($"{row.ActorType,-16}queued {queuedBar} {row.Queued,7:N0}   deepest lane {depthBar} {row.LaneDepthMax,7:N0}"));
        }

        Line(text, string.Empty);
        var live = snapshot.Rows.Sum(r => r.LiveActors);
        Line(text, Invariant($"scheduler: {snapshot.BusyWorkers} busy workers, {snapshot.ReadyMailboxes} ready mailboxes   live actors: {live}   dead letters: {DeadLetters(snapshot)}"));
        Line(text, string.Empty);
        Line(text, "\e[1mrecent log\e[0m");
        foreach (var line in logs.Snapshot())
        {
            Line(text, line.Length > width ? line[..width] : line);
        }

        // Clear whatever an earlier, longer frame left below this one.
        text.Append("\e[J");
        return text.ToString();
    }

    private static string Summary(DashboardSnapshot snapshot)
    {
        var text = new StringBuilder("Spillway.Actors dashboard stopped. Totals and what was left queued:");
        foreach (var row in snapshot.Rows)
        {
            text.Append(s_culture, $"{Environment.NewLine}  {row.ActorType,-16}{row.Processed,12:N0} processed, {row.Queued,7:N0} queued, {row.Restarts,4:N0} restarts, {row.DeadLetters,7:N0} dead letters");
        }

        return text.ToString();
    }

    private static string DeadLetters(DashboardSnapshot snapshot) =>
        snapshot.DeadLettersByReason.Count == 0
            ? "none"
            : string.Join(", ", snapshot.DeadLettersByReason.Select(r => string.Create(s_culture, $"{r.Key} {r.Value:N0}")));

    private static int WindowWidth()
    {
        try
        {
            return Math.Max(40, Console.WindowWidth - 1);
        }
        catch (IOException)
        {
            return 160;
        }
    }

    private static string Bar(double fraction)
    {
        var filled = (int)Math.Round(Math.Clamp(fraction, 0, 1) * BarWidth);
        return new string('█', filled) + new string('·', BarWidth - filled);
    }

    private static void Line(StringBuilder text, string line) =>
        text.Append(line).Append("\e[K\n");
}
