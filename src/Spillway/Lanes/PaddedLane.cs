namespace Spillway;

/// <summary>
/// A lane followed by a cache line of nothing: the lanes of slots past the first, which handles on different threads
/// create one after another, so the allocator tends to place them side by side. The padding keeps the next object
/// (typically another lane, written by another producer) off this lane's lock word and counters. The first lane of a
/// set is the set itself (<see cref="LaneSet{T}"/>), unpadded: it is the only lane of a mailbox told through one
/// reference, and an idle mailbox should not carry 64 bytes for a neighbour it does not have.
/// </summary>
/// <remarks>Thread-safety: as <see cref="Lane{T}"/>; the padding is never touched.</remarks>
internal sealed class PaddedLane<T>(bool poolsStorage) : Lane<T>(poolsStorage)
{
#pragma warning disable IDE0051, CS0169 // The field exists only for its size.
    private CacheLinePadding _padding;
#pragma warning restore IDE0051, CS0169
}
