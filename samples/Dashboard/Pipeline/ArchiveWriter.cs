using Microsoft.Extensions.Options;
using Spillway.Actors;

namespace Spillway.Samples.Dashboard.Pipeline;

/// <summary>
/// Writes alerts to a slow store: each write takes a few milliseconds, so during a burst alerts arrive faster than
/// they are written and the mailbox's lanes fill up. Once it holds its capacity the aggregators wait for room
/// (<c>TellAsync</c>): backpressure, not dead letters.
/// </summary>
/// <remarks>
/// Spawned by type: the actor system builds it through the container, so its constructor takes services. Awaiting
/// the write does not hold a worker thread; no other alert of this actor runs until it completes.
/// </remarks>
internal sealed class ArchiveWriter(IOptions<DashboardOptions> options) : Actor<Alert>
{
    private readonly TimeSpan _writeLatency = TimeSpan.FromMilliseconds(options.Value.ArchiveWriteMilliseconds);

    protected override async ValueTask ReceiveAsync(Alert message)
    {
        // Stands in for a database insert or a call to a remote API.
        await Task.Delay(_writeLatency);
    }
}
