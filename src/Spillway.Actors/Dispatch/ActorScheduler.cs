using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Spillway.Actors;

/// <summary>
/// Runs ready mailboxes. A mailbox is handed to <see cref="Schedule"/> at most once at a time (its own idle/scheduled
/// state guarantees that), and runs one turn per call.
/// </summary>
/// <remarks>Thread-safety: <see cref="Schedule"/> is called from any thread, concurrently.</remarks>
internal abstract class ActorScheduler
{
    protected ActorScheduler() => SynchronizationContext = new ActorSynchronizationContext(this);

    /// <summary>Gets the context installed while actor code runs, so <c>await</c> in a handler resumes on this scheduler.</summary>
    public SynchronizationContext SynchronizationContext { get; }

    /// <summary>
    /// Gets or sets where a work item or a posted callback that throws is logged (an <c>async void</c> method in actor
    /// code that failed, for instance). Set once by the system, before <see cref="Start"/>; a logger that never throws.
    /// </summary>
    public ILogger FailureLogger { get; set; } = NullLogger.Instance;

    /// <summary>
    /// Gets whether the system's ask time-outs should take their lock on every ask and leave the heap with every answer
    /// (see <see cref="AskTimeouts"/>), rather than keep reused operations keyed lazily: a scheduler under a systematic
    /// test engine, whose replays need every ask to reach the same scheduling points whatever operation a thread's pool
    /// hands it (lazy keying makes them depend on what that operation served before).
    /// </summary>
    public virtual bool WantsDeterministicAskTimeouts => false;

    /// <summary>
    /// Gets the work item running on the calling thread, if this scheduler runs one there (a cell's turn or a posted
    /// callback), so a callback posted from it can name its actor; <see langword="null"/> when the scheduler cannot tell.
    /// </summary>
    public virtual IThreadPoolWorkItem? RunningItem => null;

    /// <summary>Gets how many workers are running a turn right now.</summary>
    public abstract int BusyWorkers { get; }

    /// <summary>Gets how many work items wait for a worker right now.</summary>
    public abstract int ReadyCount { get; }

    /// <summary>
    /// Gets whether no work item waits for a worker right now, so a turn may linger a moment for more messages without
    /// delaying anyone. Schedulers that cannot tell cheaply say <see langword="false"/>.
    /// </summary>
    public virtual bool IsQuiet => false;

    /// <summary>Queues a work item to run once on a worker.</summary>
    public abstract void Schedule(IThreadPoolWorkItem item);

    /// <summary>
    /// Queues a work item that just used up its turn, behind everything already waiting, so that one busy mailbox
    /// cannot starve the others. By default the same as <see cref="Schedule"/>.
    /// </summary>
    public virtual void ScheduleBehindOthers(IThreadPoolWorkItem item) => Schedule(item);

    /// <summary>Starts the workers.</summary>
    public abstract void Start();

    /// <summary>Stops the workers once the queue is empty and waits for them to exit, unless <paramref name="cancellationToken"/> fires first.</summary>
    public abstract Task StopAsync(CancellationToken cancellationToken);
}
