using BenchmarkDotNet.Running;

namespace Spillway.Actors.Benchmarks;

/// <summary>
/// Entry point. <c>dotnet run -c Release -- --filter '*'</c> picks benchmarks (any BenchmarkDotNet switch works);
/// <c>dotnet run -c Release -- idle-memory</c> measures the bytes each idle actor holds in each runtime;
/// <c>dotnet run -c Release -- pingpong-driver [pairs] [seconds]</c> and <c>tell-driver [senders] [seconds]</c> run
/// Spillway's ping-pong or tell in process for a quick look (<c>ask-driver [askers] [seconds] [spillway|actionblock] [rounds when seconds is 0]</c>
/// the same for request-reply); <c>dotnet run -c Release -- referee [repeats] [shape]</c>
/// runs the referee's shapes (every contestant in one process, interleaved repeats, medians).
/// </summary>
public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        if (args is ["idle-memory", ..])
        {
            await IdleActorMemory.RunAsync(Console.Out, args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 100_000);
            return 0;
        }

        if (args is ["pingpong-driver", ..])
        {
            var pairs = args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 1;
            var seconds = args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 8;
            await PingPongDriver.RunAsync(Console.Out, pairs, TimeSpan.FromSeconds(seconds));
            return 0;
        }

        if (args is ["tell-driver", ..])
        {
            var senders = args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 1;
            var seconds = args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 8;
            await TellDriver.RunAsync(Console.Out, senders, TimeSpan.FromSeconds(seconds));
            return 0;
        }

        if (args is ["ask-driver", ..])
        {
            var askers = args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 1;
            var seconds = args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 8;
            await AskDriver.RunAsync(Console.Out, askers, TimeSpan.FromSeconds(seconds), args.Length > 3 ? args[3] : "spillway", args.Length > 4 ? int.Parse(args[4], System.Globalization.CultureInfo.InvariantCulture) : 1);
            return 0;
        }

        if (args is ["referee", ..])
        {
            var repeats = args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 5;
            await Referee.RefereeDriver.RunAsync(Console.Out, repeats, warmUps: 2, filter: args.Length > 2 ? args[2] : null);
            return 0;
        }

        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
        return 0;
    }
}
