namespace Spillway;

/// <summary>
/// The exception <see cref="Sender{T}.Send(T)"/> and <see cref="Sender{T}.SendMany(ReadOnlySpan{T})"/> throw when a
/// bounded channel is at its capacity. Nothing of the rejected send was queued.
/// </summary>
public sealed class ChannelFullException : InvalidOperationException
{
    /// <summary>Creates the exception with a default message.</summary>
    public ChannelFullException()
        : base("The channel is full.")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">What went wrong.</param>
    public ChannelFullException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the exception that caused it.</summary>
    /// <param name="message">What went wrong.</param>
    /// <param name="innerException">The cause.</param>
    public ChannelFullException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    internal static ChannelFullException ForCapacity(int capacity) =>
        new($"The channel is full: it holds its capacity of {capacity} messages. Use TryWrite or WriteAsync to wait for room.");
}
