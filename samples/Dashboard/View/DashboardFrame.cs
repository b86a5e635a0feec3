using System.Globalization;
using Spectre.Console;
using Spectre.Console.Rendering;
using Spillway.Actors.Dashboard.Model;

namespace Spillway.Samples.Dashboard.View;

/// <summary>
/// One frame of the terminal view, built from the same snapshot the dashboard page shows
/// (<see cref="Spillway.Actors.Dashboard.SpillwayDashboardCollector.Latest"/>). It fits an 80x24 terminal: at most
/// <see cref="MaxLines"/> lines of at most <see cref="Width"/> columns, whatever the number of actor types, actors or
/// log lines (the excess is left out and counted), so the terminal never wraps or scrolls.
/// </summary>
internal static class DashboardFrame
{
    public const int Width = 80;
    public const int MaxLines = 23;
    public const int MaxTypes = 7;
    public const int MaxActors = 4;
    public const int MaxLogLines = 5;

    /// <summary>Seconds of history the trend column covers.</summary>
    public const int TrendSeconds = 60;

    private const int TrendWidth = 10;
    private static readonly CultureInfo s_culture = CultureInfo.InvariantCulture;
    private static readonly string[] s_suffixes = ["", "k", "M", "G", "T", "P", "E"];

    public static IRenderable Build(SpillwayDashboardSnapshot snapshot, FrameHeader header, IReadOnlyList<string> logLines)
    {
        var lines = new List<IRenderable>
        {
            Line($"[bold]Spillway.Actors[/]  system '{Markup.Escape(header.SystemName)}'  up {header.Uptime:hh\\:mm\\:ss}  [dim]Ctrl+C stops[/]"),
            new Text(Fit($"page {header.PageUrl ?? "(starting)"}  metrics {header.MetricsUrl}", Width)),
            TypeTable(snapshot),
            new Rule("[bold]busiest actors[/] [dim](processed/s, queued)[/]") { Justification = Justify.Left },
        };

        foreach (var actor in snapshot.BusiestActors.Take(MaxActors))
        {
            var figures = string.Create(s_culture, $" {Compact(actor.ProcessedPerSecond),7} {Compact(actor.Queued),7}");
            lines.Add(new Text(Fit(actor.Path, Width - figures.Length).PadRight(Width - figures.Length) + figures));
        }

        if (snapshot.BusiestActors.Count == 0)
        {
            lines.Add(new Text("none busy", new Style(decoration: Decoration.Dim)));
        }

        lines.Add(new Text(Fit(SchedulerAndEvents(snapshot), Width)));
        lines.Add(new Rule("[bold]recent log[/]") { Justification = Justify.Left });
        foreach (var line in logLines.Skip(Math.Max(0, logLines.Count - MaxLogLines)))
        {
            lines.Add(new Text(Fit(line, Width)));
        }

        lines.Add(new Text(
            Fit($"trend: proc/s, {TrendSeconds} s; lane: depth p50/p99/max; hnd: handler p99; over {snapshot.WindowSeconds} s", Width),
            new Style(decoration: Decoration.Dim)));
        return new Rows(lines);
    }

    /// <summary>Shortens a number to at most five characters: 2.5, 999, 1.2k, 12k, 4.5M, up to exa.</summary>
    public static string Compact(double value)
    {
        if (!(value > 0))
        {
            return "0";
        }

        var suffix = 0;
        while (value >= 999.5 && suffix < s_suffixes.Length - 1)
        {
            value /= 1000;
            suffix++;
        }

        return value.ToString(value < 9.95 && (suffix > 0 || value % 1 != 0) ? "0.#" : "0", s_culture) + s_suffixes[suffix];
    }

    /// <summary>A duration in seconds as at most six characters: 850ns, 12µs, 3.4ms, 1.2s.</summary>
    public static string Duration(double seconds) => seconds switch
    {
        <= 0 => "-",
        < 1e-6 => string.Create(s_culture, $"{seconds * 1e9:0}ns"),
        < 1e-3 => string.Create(s_culture, $"{seconds * 1e6:0.#}µs"),
        < 1 => string.Create(s_culture, $"{seconds * 1e3:0.#}ms"),
        _ => string.Create(s_culture, $"{seconds:0.#}s"),
    };

    /// <summary>The last <see cref="TrendSeconds"/> seconds of a series as block characters, averaged per cell.</summary>
    public static string Trend(IReadOnlyList<double> series)
    {
        const string blocks = " ▁▂▃▄▅▆▇█";
        var start = Math.Max(0, series.Count - TrendSeconds);
        var perCell = TrendSeconds / TrendWidth;
        var cells = new double[TrendWidth];
        var offset = TrendWidth - ((series.Count - start + perCell - 1) / perCell);
        for (var i = start; i < series.Count; i++)
        {
            var cell = offset + ((i - start) / perCell);
            cells[Math.Clamp(cell, 0, TrendWidth - 1)] += series[i] / perCell;
        }

        var max = cells.Max();
        return max <= 0
            ? new string(' ', TrendWidth)
            : string.Concat(cells.Select(c => blocks[(int)Math.Round(c / max * (blocks.Length - 1))]));
    }

    private static Table TypeTable(SpillwayDashboardSnapshot snapshot)
    {
        var table = new Table { Border = TableBorder.None, ShowHeaders = true };
        table.AddColumn(Column("actor type", 13, left: true));
        table.AddColumn(Column("proc/s", 7));
        table.AddColumn(Column("told/s", 7));
        table.AddColumn(Column("trend", TrendWidth, left: true));
        table.AddColumn(Column("queued", 7));
        table.AddColumn(Column("lane", 12));
        table.AddColumn(Column("hnd", 7));
        table.AddColumn(Column("rst/dead", 8));

        var types = snapshot.ActorTypes.OrderByDescending(t => Last(t.ProcessedPerSecond)).ThenBy(t => t.Name, StringComparer.Ordinal).ToList();
        var shown = types.Count > MaxTypes ? MaxTypes - 1 : types.Count;
        foreach (var type in types.Take(shown))
        {
            var depth = type.LaneDepth.Samples == 0 ? "-" : $"{Compact(type.LaneDepth.P50)}/{Compact(type.LaneDepth.P99)}/{Compact(type.LaneDepth.Max)}";
            table.AddRow(
                Cell(type.Name, 13),
                Cell(Compact(Last(type.ProcessedPerSecond)), 7),
                Cell(Compact(Last(type.SentPerSecond)), 7),
                Cell(Trend(type.ProcessedPerSecond), TrendWidth),
                Cell(Compact(type.Queued), 7),
                Cell(depth, 12),
                Cell(type.HandlerSeconds.Samples == 0 ? "-" : Duration(type.HandlerSeconds.P99), 7),
                Cell($"{Compact(type.Restarts)}/{Compact(type.DeadLetters)}", 8));
        }

        if (types.Count > shown)
        {
            table.AddRow(new Text(string.Create(s_culture, $"+{types.Count - shown} more"), new Style(decoration: Decoration.Dim)));
        }

        return table;
    }

    /// <summary>The scheduler's load now and the restarts and dead letters (by reason) of the last minute, on one line.</summary>
    private static string SchedulerAndEvents(SpillwayDashboardSnapshot snapshot)
    {
        long Count(string kind) => snapshot.ActorTypes.SelectMany(t => t.Events).Where(e => e.Kind == kind && e.SecondsAgo < TrendSeconds).Sum(e => e.Count);
        return string.Create(
            s_culture,
            $"busy {Last(snapshot.BusyWorkers):0}, ready {Last(snapshot.ReadyMailboxes):0} | {TrendSeconds} s: {Compact(Count(DashboardEvent.RestartKind))} restarts; dead: {Compact(Count("actor_stopped"))} stopped, {Compact(Count("mailbox_full"))} full, {Compact(Count("system_shutdown"))} shutdown");
    }

    private static TableColumn Column(string header, int width, bool left = false)
    {
        var column = new TableColumn(new Text(header, new Style(decoration: Decoration.Bold))) { Width = width, NoWrap = true, Padding = new Padding(0, 0, 1, 0) };
        return left ? column.LeftAligned() : column.RightAligned();
    }

    private static Text Cell(string value, int width) => new(Fit(value, width)) { Overflow = Overflow.Ellipsis };

    /// <summary>A line of markup, or its plain text cut to the width when it is too long.</summary>
    private static IRenderable Line(string markup)
    {
        var plain = Markup.Remove(markup);
        return plain.Length <= Width ? new Markup(markup) : new Text(Fit(plain, Width));
    }

    private static double Last(IReadOnlyList<double> series) => series.Count == 0 ? 0 : series[^1];

    /// <summary>Cuts <paramref name="text"/> to <paramref name="width"/> columns, marking the cut with an ellipsis.</summary>
    private static string Fit(string text, int width) => text.Length <= width ? text : string.Concat(text.AsSpan(0, width - 1), "…");
}
