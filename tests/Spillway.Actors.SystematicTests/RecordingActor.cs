namespace Spillway.Actors.SystematicTests;

/// <summary>
/// A test actor: records every message and every lifecycle hook into a shared <see cref="Recorder"/>, throws on
/// <see cref="Boom"/> messages, and can leave a handler pending (a <see cref="PendingResult"/> that another task
/// completes) so that the mailbox suspends its turn and resumes it later.
/// </summary>
/// <remarks>
/// The hooks always complete synchronously: see <see cref="StopVsRestartTests"/> for why a pending hook cannot be
/// explored with Coyote 1.7.11.
/// </remarks>
internal sealed class RecordingActor(Recorder recorder, Func<int, bool>? suspendOn = null) : Actor<int>
{
    /// <summary>Messages at or above this value fail instead of being recorded.</summary>
    public const int Boom = 1_000_000;

    protected override ValueTask ReceiveAsync(int message)
    {
        recorder.Enter($"ReceiveAsync({message})");
        return Finish(suspendOn?.Invoke(message) == true, () =>
        {
            if (message >= Boom)
            {
                throw new InvalidOperationException($"boom {message}");
            }

            recorder.Record(message);
        });
    }

    protected override ValueTask OnStartedAsync()
    {
        recorder.Enter("OnStartedAsync");
        return Finish(suspend: false, recorder.OnStarted);
    }

    protected override ValueTask OnRestartingAsync(Exception reason)
    {
        recorder.Enter("OnRestartingAsync");
        return Finish(suspend: false, recorder.OnRestarting);
    }

    protected override ValueTask OnStoppedAsync()
    {
        recorder.Enter("OnStoppedAsync");
        return Finish(suspend: false, recorder.OnStopped);
    }

    /// <summary>
    /// Runs <paramref name="work"/> now, or later on another task with the returned task pending until then; either
    /// way it marks the end of the handler (<see cref="Recorder.Exit"/>) before the task completes.
    /// </summary>
    private ValueTask Finish(bool suspend, Action work)
    {
        if (!suspend)
        {
            try
            {
                work();
                return default;
            }
            finally
            {
                recorder.Exit();
            }
        }

        var pending = new PendingResult();
        recorder.Track(Task.Run(() =>
        {
            Exception? failure = null;
            try
            {
                work();
            }
            catch (InvalidOperationException error)
            {
                failure = error;
            }

            recorder.Exit();
            if (failure is null)
            {
                pending.Complete();
            }
            else
            {
                pending.Fail(failure);
            }
        }));
        return pending.Task;
    }
}
