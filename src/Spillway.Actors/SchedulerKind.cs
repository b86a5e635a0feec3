namespace Spillway.Actors;

/// <summary>Where actors run.</summary>
public enum SchedulerKind
{
    /// <summary>
    /// A pool of dedicated worker threads owned by the actor system (the default). Ready mailboxes are queued to it;
    /// <c>await</c> inside a handler resumes on it.
    /// </summary>
    DedicatedThreads,

    /// <summary>The .NET thread pool. Useful to compare against, or when threads must not be created.</summary>
    ThreadPool,
}
