using System.Threading.Channels;

namespace Spillway;

/// <summary>The exceptions a closed channel reports, chosen as the BCL channels choose them.</summary>
internal static class ChannelErrors
{
    /// <summary>
    /// The exception a write fails with after its writer completed with <paramref name="error"/>: a
    /// <see cref="ChannelClosedException"/> carrying the error, or the <see cref="OperationCanceledException"/> itself.
    /// </summary>
    public static Exception ForCompletedWriter(Exception? error) => error switch
    {
        null => new ChannelClosedException("This sender handle was completed or disposed; it cannot send any more."),
        OperationCanceledException cancelled => cancelled,
        _ => new ChannelClosedException("This sender handle was completed with an error; it cannot send any more.", error),
    };

    /// <summary>
    /// The exception a read fails with once the channel is complete and drained: a <see cref="ChannelClosedException"/>
    /// carrying the writers' error, or the <see cref="OperationCanceledException"/> itself.
    /// </summary>
    public static Exception ForDrainedReader(Exception? error) => error switch
    {
        null => new ChannelClosedException("The channel is complete: every sender was released and every message was read."),
        OperationCanceledException cancelled => cancelled,
        ChannelClosedException closed => closed,
        _ => new ChannelClosedException(error),
    };
}
