using System.Runtime.InteropServices;

namespace Spillway.Actors;

/// <summary>
/// The lane-depth sampling epoch of one system (see <see cref="ActorMetrics.SampleEpoch"/>), alone on its cache line.
/// </summary>
/// <remarks>
/// Every lane an actor takes reads <see cref="Value"/>, on every worker. It is written once a second, but the tiny box it
/// used to live in (a <c>StrongBox&lt;int&gt;</c>) shared its cache line with whatever the allocator placed next to it,
/// and a write there (on another core) made that read a cache miss on the ping-pong path. The value sits 64 bytes into an
/// object of 128, so no other object's fields share its line. Thread-safety: written only by the epoch timer's callback
/// (interlocked, since a slow callback of a periodic timer may overlap the next one); read with plain loads, where a
/// stale value only moves a time-based sample by one take.
/// </remarks>
[StructLayout(LayoutKind.Explicit, Size = 128)]
internal sealed class LaneDepthEpoch
{
    /// <summary>The epoch: a count that advances every <see cref="ActorMetrics.SampleEpochPeriod"/> (wraps harmlessly).</summary>
    [FieldOffset(64)]
    public int Value;
}
