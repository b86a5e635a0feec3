namespace Spillway.Actors.TestKit;

/// <summary>How an <see cref="ActorTestKit"/> runs its actors.</summary>
public enum TestKitMode
{
    /// <summary>
    /// On the runtime's thread-pool scheduler, concurrently with the test, as in production. Expectations wait in real
    /// time, up to their time-out.
    /// </summary>
    Threaded,

    /// <summary>
    /// Nothing runs until the test calls <see cref="ActorTestKit.RunUntilIdle"/> (or an expectation, which calls it):
    /// then the queued turns run one at a time, in the order they became ready, on the test's thread. No threads, no
    /// waiting: an expectation that nothing can satisfy fails at once.
    /// </summary>
    Deterministic,

    /// <summary>
    /// Every turn runs in a task of its own, so that the Coyote systematic testing engine (which controls tasks in
    /// rewritten assemblies) chooses the interleaving. Use it only inside such an engine (see the
    /// <c>Spillway.Actors.TestKit.Coyote</c> package): expectations wait without a time-out there, and a wait that can
    /// never end is reported by the engine as a deadlock.
    /// </summary>
    Systematic,
}
