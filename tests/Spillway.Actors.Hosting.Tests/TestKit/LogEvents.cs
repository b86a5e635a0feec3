namespace Spillway.Actors.Hosting.Tests.TestKit;

/// <summary>The event ids of the runtime's log messages (its internal <c>Log</c> class), the stable part of each.</summary>
internal static class LogEvents
{
    public const int SchedulerStarted = 1;
    public const int SchedulerStopped = 2;
    public const int SchedulerStopAbandoned = 3;
    public const int SlowTurn = 4;
    public const int ActorStarted = 10;
    public const int ActorStopped = 11;
    public const int ActorRestarted = 12;
    public const int ActorFailed = 13;
    public const int DeadLetters = 20;
    public const int ShutdownIncomplete = 22;
}
