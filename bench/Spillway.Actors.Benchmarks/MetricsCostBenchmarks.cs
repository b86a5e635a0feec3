using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using OpenTelemetry;
using OpenTelemetry.Metrics;

namespace Spillway.Actors.Benchmarks;

/// <summary>
/// The cost of metrics on the tell path: one sender thread tells one actor, with no listener (the baseline) and with the
/// OpenTelemetry SDK collecting the <c>Spillway.Actors</c> meter (in-memory exporter, collected once per second).
/// BenchmarkDotNet runs each case in its own process, so the meter provider of the second case never reaches the
/// first.
/// </summary>
[Config(typeof(MetricsCostConfig))]
public class MetricsCostBenchmarks
{
    public const int TotalMessages = 2_000_000;
    private const int Senders = 1;

    private readonly Countdown _countdown = new();
    private readonly List<Metric> _exported = [];
    private ActorSystem _system = null!;
    private ActorRef<int>[] _refs = null!;
    private MeterProvider? _meterProvider;

    [GlobalSetup(Target = nameof(NoListener))]
    public void SetupWithoutListener() => Setup();

    [GlobalSetup(Target = nameof(OpenTelemetryCollecting))]
    public void SetupWithOpenTelemetry()
    {
        _meterProvider = Sdk.CreateMeterProviderBuilder()
            .AddSpillwayActorsInstrumentation()
            .AddInMemoryExporter(_exported, reader => reader.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = 1000)
            .Build();
        Setup();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _system.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _meterProvider?.Dispose();
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = TotalMessages)]
    public Task NoListener() => Run();

    [Benchmark(OperationsPerInvoke = TotalMessages)]
    public Task OpenTelemetryCollecting() => Run();

    private void Setup()
    {
        _system = ActorSystem.Create();
        var countdown = _countdown;
        var actor = _system.Spawn(() => new SpillwayCountingActor(countdown));
        _refs = Enumerable.Range(0, Senders).Select(_ => actor.Clone()).ToArray();
    }

    private Task Run()
    {
        _countdown.Reset(TotalMessages);
        SenderThreads.Run(Senders, sender =>
        {
            var actor = _refs[sender];
            return () =>
            {
                for (var i = 0; i < TotalMessages / Senders; i++)
                {
                    actor.Tell(i);
                }
            };
        });
        return _countdown.Done;
    }
}

/// <summary>
/// Like <see cref="ActorBenchmarkConfig"/> (three launches, a long warm-up for tiered compilation) with 30 measured
/// iterations per launch: the difference to find is small and the 2-core machine is noisy.
/// </summary>
public sealed class MetricsCostConfig : ManualConfig
{
    public MetricsCostConfig()
        => ActorBenchmarkConfig.Configure(this, "TwoCoreLong", iterations: 30);
}
