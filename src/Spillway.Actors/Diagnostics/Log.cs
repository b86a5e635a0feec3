using Microsoft.Extensions.Logging;

namespace Spillway.Actors;

/// <summary>Every log message of the runtime, source-generated. Nothing here is called per message.</summary>
internal static partial class Log
{
    [LoggerMessage(1, LogLevel.Information, "Actor system {SystemName} started {WorkerCount} worker threads")]
    public static partial void SchedulerStarted(ILogger logger, string systemName, int workerCount);

    [LoggerMessage(2, LogLevel.Information, "Actor system {SystemName} stopped its worker threads")]
    public static partial void SchedulerStopped(ILogger logger, string systemName);

    [LoggerMessage(3, LogLevel.Warning, "Actor system {SystemName} stopped waiting for its worker threads: a handler still blocks one")]
    public static partial void SchedulerStopAbandoned(ILogger logger, string systemName);

    [LoggerMessage(4, LogLevel.Warning, "Worker {WorkerIndex} has been running one turn for at least {ElapsedSeconds:F1} s (actor {Actor}); a handler may be blocking its thread")]
    public static partial void SlowTurn(ILogger logger, int workerIndex, double elapsedSeconds, string actor);

    [LoggerMessage(5, LogLevel.Error, "A work item failed on an actor worker thread")]
    public static partial void WorkItemFailed(ILogger logger, Exception error);

    [LoggerMessage(6, LogLevel.Error, "Code that actor {ActorPath} posted to the actor scheduler threw (an async void method, for instance); the exception is ignored")]
    public static partial void PostedCallbackFailed(ILogger logger, Exception error, string actorPath);

    [LoggerMessage(10, LogLevel.Debug, "Actor {ActorPath} started")]
    public static partial void ActorStarted(ILogger logger, string actorPath);

    [LoggerMessage(11, LogLevel.Debug, "Actor {ActorPath} stopped")]
    public static partial void ActorStopped(ILogger logger, string actorPath);

    [LoggerMessage(12, LogLevel.Information, "Actor {ActorPath} restarted (restart {RestartCount} in the current window) after a failure")]
    public static partial void ActorRestarted(ILogger logger, string actorPath, int restartCount);

    [LoggerMessage(13, LogLevel.Error, "Actor {ActorPath} failed; supervision directive: {Directive}")]
    public static partial void ActorFailed(ILogger logger, Exception error, string actorPath, SupervisionDirective directive);

    [LoggerMessage(14, LogLevel.Warning, "Actor {ActorPath} exceeded its restart limit of {MaxRestarts} within {Window}; stopping it")]
    public static partial void RestartLimitExceeded(ILogger logger, string actorPath, int maxRestarts, TimeSpan window);

    [LoggerMessage(15, LogLevel.Error, "Actor {ActorPath} failed in {Hook}; the failure is ignored")]
    public static partial void HookFailed(ILogger logger, Exception error, string actorPath, string hook);

    [LoggerMessage(16, LogLevel.Error, "Actor {ActorPath} could not be created for a restart; stopping it")]
    public static partial void RecreateFailed(ILogger logger, Exception error, string actorPath);

    [LoggerMessage(20, LogLevel.Warning, "{Count} dead letters in the last interval (first to {Recipient}: {Reason}); total {Total}")]
    public static partial void DeadLetters(ILogger logger, long count, string recipient, DeadLetterReason reason, long total);

    [LoggerMessage(21, LogLevel.Error, "A DeadLetterReceived handler threw; the dead letter was still counted")]
    public static partial void DeadLetterHandlerFailed(ILogger logger, Exception error);

    [LoggerMessage(22, LogLevel.Warning, "Shutdown of actor system {SystemName} ran out of time; {Count} messages could not be processed and became dead letters")]
    public static partial void ShutdownIncomplete(ILogger logger, string systemName, long count);

    [LoggerMessage(7, LogLevel.Warning, "Actor system {SystemName}: every worker has been inside one turn for at least {ElapsedSeconds:F1} s while work waits (running: {Actors}); started extra worker {WorkerIndex} ({ExtraWorkers} of at most {MaxExtraWorkers}). A handler may be blocking on async work (sync-over-async) whose continuation needs a worker")]
    public static partial void WorkersStarved(ILogger logger, string systemName, double elapsedSeconds, string actors, int workerIndex, int extraWorkers, int maxExtraWorkers);

    [LoggerMessage(30, LogLevel.Warning, "Shutdown of actor system {SystemName} abandoned {Count} actors whose handlers have not returned: {Actors}")]
    public static partial void ShutdownAbandonedActors(ILogger logger, string systemName, int count, string actors);
}
