using OpenTelemetry;
using OpenTelemetry.Metrics;
using Spillway.Actors;

var exported = new List<Metric>();
using var meters = Sdk.CreateMeterProviderBuilder()
    .AddSpillwayActorsInstrumentation()      // subscribes to the Spillway.Actors meter
    .AddInMemoryExporter(exported)           // in an app: OTLP, Prometheus, ...
    .Build();

await using var system = ActorSystem.Create();
var echo = system.Spawn<Echo, Reply<int>>("echo");
Console.WriteLine($"answer = {await echo.Ask<int>(reply => reply, TimeSpan.FromSeconds(5))}");
meters.ForceFlush();                         // collect now rather than at the exporter's interval
foreach (var name in exported.Select(metric => metric.Name).Distinct().Order())
{
    Console.WriteLine(name);                 // spillway.actor.count, spillway.mailbox.processed.messages, ...
}

public sealed class Echo : Actor<Reply<int>>
{
    protected override ValueTask ReceiveAsync(Reply<int> reply)
    {
        reply.Send(42);
        return default;
    }
}
