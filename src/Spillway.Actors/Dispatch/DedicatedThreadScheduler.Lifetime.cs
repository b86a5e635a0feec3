namespace Spillway.Actors;

/// <summary>The scheduler's start (threads, rescuer, watchdog, starvation check) and its stop.</summary>
internal sealed partial class DedicatedThreadScheduler
{
    public override void Start()
    {
        _running = _threads.Length;
        foreach (var thread in _threads)
        {
            thread.Start();
        }

        // Real time on purpose: this is a liveness safety net, not behaviour a test clock should control.
        _rescuer = new Timer(static s => ((DedicatedThreadScheduler)s!).RescueNextSlots(), this, s_rescueAfter, s_rescueAfter);
        if (_slowTurnThreshold > TimeSpan.Zero)
        {
            var period = _slowTurnThreshold / SlowTurnChecksPerThreshold;
            _watchdog = _timeProvider.CreateTimer(static s => ((DedicatedThreadScheduler)s!).CheckForSlowTurns(), this, period, period);
        }

        StartStarvationCheck();

        Log.SchedulerStarted(_logger, _name, _threads.Length);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        // Under the starvation lock: once this is set, no extra worker starts (see CheckForStarvation).
        lock (_starvationLock)
        {
            _stopping = true;
        }

        await StopStarvationCheckAsync().ConfigureAwait(false);
        if (_rescuer is not null)
        {
            await _rescuer.DisposeAsync().ConfigureAwait(false);
        }

        if (_watchdog is not null)
        {
            await _watchdog.DisposeAsync().ConfigureAwait(false);
        }

        // One token per worker, extra workers included: every sleeper wakes, sees _stopping and an empty queue, and
        // exits. Extra tokens for workers that were not asleep are harmless now.
        _wake.Release(_threads.Length + _extras.Length);
        try
        {
            await _allExited.Task.WaitAsync(cancellationToken).ConfigureAwait(false);

            // Every worker has left its loop; joining only waits out the last instructions of each thread (bounded all the
            // same: every wait of a shutdown has a bound).
            foreach (var thread in _threads)
            {
                _ = thread.Join(TimeSpan.FromSeconds(1));
            }

            JoinExtraWorkers();
            Log.SchedulerStopped(_logger, _name);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // A handler still blocks a worker; the threads are background threads and exit when it returns.
            Log.SchedulerStopAbandoned(_logger, _name);
        }
    }
}
