using System.Text.Json;
using BenchmarkDotNet.Attributes;
using Spillway.Actors.Dashboard;

namespace Spillway.Actors.Benchmarks;

/// <summary>
/// The cost of the dashboard on the tell path: one sender thread tells one actor, with no listener (the baseline) and
/// with the dashboard's collector registered and ticking once a second while a simulated open page reads its JSON once
/// a second, as <c>GET /spillway/data</c> does. BenchmarkDotNet runs each case in its own process, so the collector of
/// the second case never reaches the first. Target: at most 10% slower than the baseline.
/// </summary>
[Config(typeof(MetricsCostConfig))]
public class DashboardCostBenchmarks
{
    public const int TotalMessages = 2_000_000;

    private static readonly JsonSerializerOptions s_json = new(JsonSerializerDefaults.Web);

    private readonly Countdown _countdown = new();
    private ActorSystem _system = null!;
    private ActorRef<int> _actor = null!;
    private SpillwayDashboardCollector? _collector;
    private Timer? _page;

    [GlobalSetup(Target = nameof(NoListener))]
    public void SetupWithoutListener() => Setup();

    [GlobalSetup(Target = nameof(DashboardOpen))]
    public void SetupWithDashboard()
    {
        _collector = new SpillwayDashboardCollector(new SpillwayDashboardOptions(), TimeProvider.System);
        Setup();
        _collector.Start([_system]);
        var collector = _collector;
        _page = new Timer(_ => JsonSerializer.Serialize(Stream.Null, collector.Latest, s_json), null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _page?.Dispose();
        _system.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _collector?.Dispose();
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = TotalMessages)]
    public Task NoListener() => Run();

    [Benchmark(OperationsPerInvoke = TotalMessages)]
    public Task DashboardOpen() => Run();

    private void Setup()
    {
        _system = ActorSystem.Create();
        var countdown = _countdown;
        // The sender's own reference (and lane), cloned once as MetricsCostBenchmarks does, not once per round.
        _actor = _system.Spawn(() => new SpillwayCountingActor(countdown), "counter").Clone();
    }

    private Task Run()
    {
        _countdown.Reset(TotalMessages);
        var actor = _actor;
        SenderThreads.Run(1, _ => () =>
        {
            for (var i = 0; i < TotalMessages; i++)
            {
                actor.Tell(i);
            }
        });
        return _countdown.Done;
    }
}
