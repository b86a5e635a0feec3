namespace Spillway.Actors.TestKit;

/// <summary>Settings of an <see cref="ActorTestKit"/>, read once when it is created.</summary>
public sealed class ActorTestKitOptions
{
    /// <summary>Gets or sets how the kit runs its actors. Default <see cref="TestKitMode.Threaded"/>.</summary>
    public TestKitMode Mode { get; set; } = TestKitMode.Threaded;

    /// <summary>
    /// Gets or sets how long an expectation waits, in real time, when the call gives no time-out
    /// (<see cref="TestKitMode.Threaded"/> only). Default 3 seconds; must be positive.
    /// </summary>
    public TimeSpan DefaultTimeout { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>Gets or sets the fake clock's start. Default 2000-01-01 00:00:00 UTC, the same in every run.</summary>
    public DateTimeOffset StartTime { get; set; } = new(2000, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>
    /// Gets or sets a last change to the actor system's options (a name, supervision, mailbox settings, services). The
    /// kit sets <see cref="ActorSystemOptions.TimeProvider"/> and <see cref="ActorSystemOptions.LoggerFactory"/> before
    /// calling it; replacing them turns off the fake clock or the captured logs.
    /// </summary>
    public Action<ActorSystemOptions>? ConfigureSystem { get; set; }
}
