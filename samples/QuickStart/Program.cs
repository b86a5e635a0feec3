using System.Diagnostics;
using QuickStart;
using Spillway.Actors;

// Quick start: spawn an actor, tell it messages from several threads, ask it for an answer, shut down gracefully.
const int producers = 4;
const long messagesPerProducer = 2_000_000;

await using var system = ActorSystem.Create(new ActorSystemOptions { Name = "quickstart" });
var counter = system.Spawn<Counter, CounterMessage>("counter");

Console.WriteLine($"Spillway.Actors quick start: {producers} producers x {messagesPerProducer:N0} messages to one actor, {Environment.ProcessorCount} cores");
var stopwatch = Stopwatch.StartNew();
var tasks = Enumerable.Range(0, producers).Select(producer => Task.Run(() =>
{
    // Each producer gets its own reference: its own lane, its own order, no contention with the others.
    var reference = counter.Clone();
    for (long sequence = 0; sequence < messagesPerProducer; sequence++)
    {
        reference.Tell(new CounterMessage.Add(producer, sequence, 1));
    }
})).ToArray();
await Task.WhenAll(tasks);

// Ask: the request carries a Reply the actor answers through; it is processed after everything told before it.
var report = await counter.Ask<CounterReport>(reply => new CounterMessage.Report(reply), TimeSpan.FromSeconds(60));
stopwatch.Stop();

var rate = report.Messages / stopwatch.Elapsed.TotalSeconds;
Console.WriteLine($"processed {report.Messages:N0} messages in {stopwatch.Elapsed.TotalSeconds:F2} s: {rate / 1e6:F1} M messages/s");
Console.WriteLine($"total = {report.Total:N0}, per-producer order kept: {report.InOrder}");

await system.ShutdownAsync();
Console.WriteLine($"shut down; dead letters: {system.DeadLetterCount}");
return report.Total == producers * messagesPerProducer && report.InOrder ? 0 : 1;
