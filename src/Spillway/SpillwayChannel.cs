namespace Spillway;

/// <summary>
/// Creates spillway channels: multi-producer, single-consumer channels whose senders each own a lane.
/// </summary>
/// <example>
/// <code>
/// var (sender, receiver) = SpillwayChannel.Create&lt;int&gt;();
/// using var second = sender.Clone();   // its own lane, its own order
/// sender.Send(1);
/// second.Send(2);
/// sender.Dispose();
/// second.Dispose();
/// await foreach (var item in receiver.ReadAllAsync()) { Console.WriteLine(item); }
/// </code>
/// </example>
public static class SpillwayChannel
{
    /// <summary>Creates an unbounded channel with <see cref="SpillwayChannelOptions.DefaultLanes"/> lanes.</summary>
    /// <typeparam name="T">The message type.</typeparam>
    /// <returns>The first sender handle (on lane 0) and the one receiver.</returns>
    public static (Sender<T> Sender, Receiver<T> Receiver) Create<T>() => Create<T>(new SpillwayChannelOptions());

    /// <summary>Creates a channel with the given lane count and capacity.</summary>
    /// <typeparam name="T">The message type.</typeparam>
    /// <param name="options">The lane count and optional capacity.</param>
    /// <returns>The first sender handle (on lane 0) and the one receiver.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A lane count or capacity below 1.</exception>
    public static (Sender<T> Sender, Receiver<T> Receiver) Create<T>(SpillwayChannelOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var core = new ReceiverCore<T>(options.Lanes, options.Capacity);
        var sender = new Sender<T>(LaneHandle<T>.CreateFirst(core.Set));
        return (sender, new Receiver<T>(core));
    }
}
