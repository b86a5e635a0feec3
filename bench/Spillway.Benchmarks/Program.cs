using BenchmarkDotNet.Running;

namespace Spillway.Benchmarks;

/// <summary>
/// Entry point. <c>dotnet run -c Release -- --filter '*'</c> (or any BenchmarkDotNet switch) picks benchmarks;
/// <c>dotnet run -c Release -- alloc-check</c> runs the steady-state zero-allocation check instead.
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        if (args is ["alloc-check", ..])
        {
            return AllocationCheck.Run(Console.Out);
        }

        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
        return 0;
    }
}
