using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Spillway.Actors;

var builder = Host.CreateApplicationBuilder(args);
builder.Services.AddSingleton(TimeProvider.System);
builder.Services.AddSpillwayActors(options => options.WorkerCount = 2);   // options are validated when the host starts

using var host = builder.Build();
await host.StartAsync();
var clock = host.Services.GetRequiredService<ActorSystem>().Spawn<Clock, Reply<DateTimeOffset>>("clock");
var now = await clock.Ask<DateTimeOffset>(reply => reply, TimeSpan.FromSeconds(5));
Console.WriteLine($"the clock actor says {now:O}");
await host.StopAsync();                                                    // drains every mailbox, then stops the workers

public sealed class Clock(TimeProvider time) : Actor<Reply<DateTimeOffset>>   // built by the container
{
    protected override ValueTask ReceiveAsync(Reply<DateTimeOffset> reply)
    {
        reply.Send(time.GetUtcNow());
        return default;
    }
}
