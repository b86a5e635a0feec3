using Spectre.Console.Testing;
using Spillway.Actors.Dashboard.Model;
using Spillway.Samples.Dashboard.View;

namespace Spillway.Actors.Dashboard.Tests;

/// <summary>The Dashboard sample's terminal frame fits an 80x24 terminal, however much there is to show.</summary>
public sealed class TerminalFrameTests
{
    [Test]
    public void Build_CrowdedSnapshot_FitsEightyByTwentyFour()
    {
        var console = new TestConsole().Width(80).Height(24);
        var types = Enumerable.Range(0, 12).Select(i => ActorType($"AVeryLongActorTypeName{i}", 123_456_789.5 * (i + 1))).ToList();
        var actors = Enumerable.Range(0, 10).Select(i => new DashboardActor($"spillway://dashboard/a-rather-deep/path/of/actors/that/goes/on/and/on/{i}", "AVeryLongActorTypeName", 9_876_543.2, 123_456_789, 987_654_321_012)).ToList();
        var snapshot = new SpillwayDashboardSnapshot(DateTimeOffset.UnixEpoch, 10, types, [64, 64], [1_000_000, 2_000_000], actors);
        var logs = Enumerable.Range(0, 20).Select(i => $"01:02:03 warn Something: a log line that is much longer than eighty columns, number {i}, and keeps going").ToList();

        console.Write(DashboardFrame.Build(snapshot, new FrameHeader("a-system-with-a-long-name-too", TimeSpan.FromHours(30), "http://127.0.0.1:65535/spillway", "http://127.0.0.1:65535/metrics"), logs));

        var lines = console.Output.TrimEnd('\n').Split('\n');
        Assert.That(lines, Has.Length.LessThanOrEqualTo(24));
        Assert.That(lines.Select(l => l.TrimEnd('\r').Length), Has.All.LessThanOrEqualTo(80), console.Output);
        Assert.That(console.Output, Does.Contain("AVeryLongAct").And.Contain("http://127.0.0.1:65535/spillway"));
    }

    [Test]
    public void Build_EmptySnapshot_ShowsTheHeaderAndNoActors()
    {
        var console = new TestConsole().Width(80).Height(24);

        console.Write(DashboardFrame.Build(new SpillwayDashboardSnapshot(DateTimeOffset.UnixEpoch, 10, [], [], [], []), new FrameHeader("dashboard", TimeSpan.Zero, null, "http://127.0.0.1:9464/metrics"), []));

        Assert.That(console.Output, Does.Contain("Spillway.Actors").And.Contain("none busy").And.Contain("(starting)"));
    }

    [TestCase(0.0, "0")]
    [TestCase(2.5, "2.5")]
    [TestCase(999.0, "999")]
    [TestCase(1_234.0, "1.2k")]
    [TestCase(99_999.0, "100k")]
    [TestCase(4_500_000.0, "4.5M")]
    [TestCase(123_456_789.0, "123M")]
    [TestCase(2.3e18, "2.3E")]
    public void Compact_Numbers_FitFiveCharacters(double value, string expected) =>
        Assert.That(DashboardFrame.Compact(value), Is.EqualTo(expected));

    [Test]
    public void Trend_RisingSeries_EndsWithTheFullBlock()
    {
        var trend = DashboardFrame.Trend([.. Enumerable.Range(1, 60).Select(i => (double)i)]);

        Assert.That(trend, Has.Length.EqualTo(10));
        Assert.That(trend[^1], Is.EqualTo('█'));
        Assert.That(trend[0], Is.Not.EqualTo('█'));
    }

    private static DashboardActorType ActorType(string name, double rate) => new(
        name,
        [.. Enumerable.Repeat(rate, 600)],
        [.. Enumerable.Repeat(rate, 600)],
        long.MaxValue / 2,
        long.MaxValue / 4,
        1_000_000,
        new DashboardDistribution(100, 65_536, 1_048_576, 16_777_216, 2_147_483_647),
        new DashboardDistribution(100, 0.000_001_5, 0.5, 12.5, 3600),
        123_456,
        987_654_321,
        [new DashboardEvent(0, DashboardEvent.RestartKind, 5), new DashboardEvent(1, "mailbox_full", 1_000_000)]);
}
