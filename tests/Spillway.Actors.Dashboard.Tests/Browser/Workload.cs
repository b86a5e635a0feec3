using Microsoft.Extensions.Hosting;

namespace Spillway.Actors.Dashboard.Tests.Browser;

/// <summary>
/// A small, uneven workload for the browser test: bursts of varying size to an <see cref="OrderIntake"/> actor every
/// 50 ms, which forwards some to a slower <see cref="Ledger"/>; the ledger fails now and then (restarts), and a stopped
/// actor receives a tell now and then (dead letters). It stops with the host.
/// </summary>
internal sealed class Workload(ActorSystem system) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var ledger = system.Spawn(() => new Ledger(), "ledger");
        var intake = system.Spawn(() => new OrderIntake(ledger), "intake");
        var gone = system.Spawn(() => new Ledger(), "gone");
        await system.StopAsync(gone);
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(50));
        var round = 0;
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                round++;

                // Uneven bursts, so the per-second figure changes from one second to the next.
                var burst = 100 + (round * 37 % 200);
                for (var i = 0; i < burst; i++)
                {
                    intake.Tell(round * 1000 + i);
                }

                if (round % 10 == 0)
                {
                    gone.Tell(-1);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // The host is stopping.
        }
    }

    /// <summary>Takes orders and forwards one in eight to the ledger.</summary>
    internal sealed class OrderIntake(ActorRef<int> ledger) : Actor<int>
    {
        protected override ValueTask ReceiveAsync(int message)
        {
            if (message % 8 == 0)
            {
                ledger.Tell(message);
            }

            return default;
        }
    }

    /// <summary>A slower consumer that fails every five seconds or so (supervision restarts it).</summary>
    internal sealed class Ledger : Actor<int>
    {
        protected override ValueTask ReceiveAsync(int message)
        {
            if (message > 0 && message % 100_000 == 0)
            {
                throw new InvalidOperationException("A ledger entry the test makes fail.");
            }

            Thread.SpinWait(2_000);
            return default;
        }
    }
}
