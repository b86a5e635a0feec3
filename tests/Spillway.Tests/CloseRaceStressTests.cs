namespace Spillway.Tests;

/// <summary>
/// The original crate's close race, tried many times: the last sender sends and then disposes on another thread while
/// the reader waits in <see cref="System.Threading.Channels.ChannelReader{T}.ReadAllAsync"/>. The crate reports
/// "closed" with the message still in a lane; here no trial may lose a message, and every reader must see the end.
/// </summary>
/// <remarks>
/// To make the two sides meet inside the reader's close check (a window of a few instructions), each trial releases
/// the reader and the sender from a spin gate at the same moment, and skews the sender by a trial-dependent number of
/// spin iterations so that over many trials its send and dispose sweep across every point of the reader's check. The
/// spins are deliberate skew, not waits for anything.
/// </remarks>
public sealed class CloseRaceStressTests
{
    private const int CiTrials = 30_000;
    private const int LongTrials = 1_000_000;

    /// <summary>The sender's skew runs from 0 to this many spin iterations, trial by trial.</summary>
    private const int MaxSkew = 256;

    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    [Test]
    public Task Dispose_LastSenderSendsThenDisposesWhileReaderWaits_NoMessageLost() =>
        RunTrialsAsync(CiTrials, LastSenderTrialAsync);

    [Test]
    public Task Dispose_TwoSendersSendThenDisposeAtOnce_NoMessageLost() =>
        RunTrialsAsync(CiTrials, TwoSendersTrialAsync);

    [Test]
    [Category("Stress")]
    [Explicit("Long form of the CI close-race test; run by hand.")]
    public Task Dispose_LastSenderSendsThenDisposesWhileReaderWaits_LongForm() =>
        RunTrialsAsync(LongTrials, LastSenderTrialAsync);

    [Test]
    [Category("Stress")]
    [Explicit("Long form of the CI close-race test; run by hand.")]
    public Task Dispose_TwoSendersSendThenDisposeAtOnce_LongForm() =>
        RunTrialsAsync(LongTrials, TwoSendersTrialAsync);

    /// <summary>Runs the trials, stopping at the first failure: a lost message costs a full timeout to detect.</summary>
    private static async Task RunTrialsAsync(int trials, Func<int, Task<string?>> trial)
    {
        for (var i = 0; i < trials; i++)
        {
            var failure = await trial(i);
            if (failure is not null)
            {
                Assert.Fail($"trial {i} of {trials} lost a message or never completed: {failure}");
            }
        }
    }

    /// <summary>
    /// One sender already sent and left; the last one sends and disposes on a pool thread while the reader, released
    /// from the same gate, reads everything. Returns what went wrong, or <see langword="null"/>.
    /// </summary>
    private static async Task<string?> LastSenderTrialAsync(int trial)
    {
        var (first, receiver) = SpillwayChannel.Create<int>(new SpillwayChannelOptions { Lanes = 2 });
        var last = first.Clone();
        first.Send(trial);
        first.Dispose();
        var gate = new SpinGate(2);

        var reading = Task.Run(() =>
        {
            gate.SignalAndWait();
            return CountAllAsync(receiver);
        });
        var sending = Task.Run(() =>
        {
            gate.SignalAndWait();
            Thread.SpinWait(trial % MaxSkew);
            last.Send(trial);
            last.Dispose();
        });

        await sending.WaitAsync(Timeout);
        return await CheckAsync(receiver, reading, expected: 2);
    }

    /// <summary>
    /// The reader waits (usually parked) while two senders on two lanes, released from one gate, each send and dispose
    /// on their own pool thread; whichever disposes second is the last sender. Returns what went wrong, or
    /// <see langword="null"/>.
    /// </summary>
    private static async Task<string?> TwoSendersTrialAsync(int trial)
    {
        var (first, receiver) = SpillwayChannel.Create<int>(new SpillwayChannelOptions { Lanes = 2 });
        var second = first.Clone();

        // Two parties only: a two-core machine starts with two pool threads, and a third spinning party could wait
        // for thread injection.
        var gate = new SpinGate(2);

        var reading = Task.Run(() => CountAllAsync(receiver));
        var sendingFirst = Task.Run(() =>
        {
            gate.SignalAndWait();
            first.Send(trial);
            first.Dispose();
        });
        var sendingSecond = Task.Run(() =>
        {
            gate.SignalAndWait();
            Thread.SpinWait(trial % MaxSkew);
            second.SendMany([trial, trial]);
            second.Dispose();
        });

        await Task.WhenAll(sendingFirst, sendingSecond).WaitAsync(Timeout);
        return await CheckAsync(receiver, reading, expected: 3);
    }

    private static async Task<string?> CheckAsync(Receiver<int> receiver, Task<int> reading, int expected)
    {
        int read;
        try
        {
            read = await reading.WaitAsync(Timeout);
            await receiver.Completion.WaitAsync(Timeout);
        }
        catch (TimeoutException)
        {
            // A reader that reported the end too early leaves a message behind, and Completion then never completes.
            return $"timed out: read {(reading.IsCompletedSuccessfully ? reading.Result : -1)} of {expected}, {receiver.Count} still queued";
        }

        return read == expected ? null : $"read {read} of {expected} messages";
    }

    private static async Task<int> CountAllAsync(Receiver<int> receiver)
    {
        var count = 0;
        await foreach (var unused in receiver.ReadAllAsync())
        {
            count++;
        }

        return count;
    }

    /// <summary>
    /// Releases a fixed number of threads at (nearly) the same instant. Spins rather than blocks: waking a blocked
    /// thread takes microseconds, far longer than the race window under test.
    /// </summary>
    private sealed class SpinGate(int participants)
    {
        private int _arrived;

        public void SignalAndWait()
        {
            // Interlocked: every participant must be counted exactly once.
            Interlocked.Increment(ref _arrived);
            var spinner = default(SpinWait);
            while (Volatile.Read(ref _arrived) < participants)
            {
                spinner.SpinOnce(sleep1Threshold: -1);
            }
        }
    }
}
