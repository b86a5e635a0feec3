using Microsoft.Extensions.Logging;

namespace Spillway.Actors.TestKit.Tests;

public class ActorTestKitTests
{
    private static readonly TimeSpan s_short = TimeSpan.FromMilliseconds(100);

    [Test]
    public async Task ExpectStoppedAsync_ActorStopsItself_Completes()
    {
        await using var kit = new ActorTestKit();
        var worker = kit.System.Spawn(() => new Worker());

        worker.Tell(new Msg.StopYourself());

        await kit.ExpectStoppedAsync(worker);
        Assert.That(worker.IsStopped, Is.True);
    }

    [Test]
    public async Task ExpectStoppedAsync_ActorKeepsRunning_FailsNamingIt()
    {
        await using var kit = new ActorTestKit();
        var worker = kit.System.Spawn(() => new Worker(), "busy");

        var error = Assert.ThrowsAsync<TestKitAssertionException>(async () => await kit.ExpectStoppedAsync(worker, s_short));

        Assert.That(error!.Message, Does.Contain("Expected spillway://testkit/busy to stop within 00:00:00.1"));
    }

    [Test]
    public async Task ExpectStoppedAsync_DeterministicAndRunning_FailsAtOnce()
    {
        await using var kit = new ActorTestKit(new ActorTestKitOptions { Mode = TestKitMode.Deterministic });
        var worker = kit.System.Spawn(() => new Worker());

        var error = Assert.ThrowsAsync<TestKitAssertionException>(async () => await kit.ExpectStoppedAsync(worker));

        Assert.That(error!.Message, Does.Contain("still running and the system is idle"));
    }

    [Test]
    public async Task DeadLetters_TellToStoppedActor_Captured()
    {
        await using var kit = new ActorTestKit(new ActorTestKitOptions { Mode = TestKitMode.Deterministic });
        var worker = kit.System.Spawn(() => new Worker(), "gone");
        worker.Tell(new Msg.StopYourself());
        await kit.ExpectStoppedAsync(worker);

        worker.Tell(new Msg.Add(1));

        Assert.That(kit.DeadLetters, Has.Count.EqualTo(1));
        Assert.That(kit.DeadLetters[0], Is.EqualTo(new DeadLetter(new Msg.Add(1), "spillway://testkit/gone", DeadLetterReason.ActorStopped)));
    }

    [Test]
    public async Task LogEvents_HandlerThrows_FailureCapturedWithException()
    {
        await using var kit = new ActorTestKit(new ActorTestKitOptions { Mode = TestKitMode.Deterministic });
        var worker = kit.System.Spawn(() => new Worker(), "fragile");

        worker.Tell(new Msg.Boom());
        kit.RunUntilIdle();

        var failure = kit.LogEvents.Single(e => e.Level == LogLevel.Error);
        Assert.That(failure.Message, Does.Contain("spillway://testkit/fragile failed"));
        Assert.That(failure.Exception, Is.TypeOf<InvalidOperationException>());
    }

    [Test]
    public async Task Advance_TimerArmedByHandler_FiresOnlyWhenTheClockReachesIt()
    {
        await using var kit = new ActorTestKit(new ActorTestKitOptions { Mode = TestKitMode.Deterministic });
        var probe = kit.CreateProbe<Msg>();
        var worker = kit.System.Spawn(() => new Worker());

        worker.Tell(new Msg.Later(TimeSpan.FromSeconds(10), probe.Ref));
        kit.Advance(TimeSpan.FromSeconds(9));
        await probe.ExpectNoMessageAsync(TimeSpan.Zero);
        kit.Advance(TimeSpan.FromSeconds(1));

        Assert.That(await probe.ExpectMessageAsync(), Is.EqualTo(new Msg.Text("timer")));
    }

    [Test]
    public async Task Advance_AskUnanswered_TimesOutOnTheFakeClock()
    {
        await using var kit = new ActorTestKit(new ActorTestKitOptions { Mode = TestKitMode.Deterministic });
        var silent = kit.CreateProbe<Msg>();
        var report = kit.CreateProbe<Msg>();
        var worker = kit.System.Spawn(() => new Worker());

        worker.Tell(new Msg.AskOther(silent.Ref, TimeSpan.FromSeconds(30), report.Ref));
        kit.Advance(TimeSpan.FromSeconds(29));
        await report.ExpectNoMessageAsync(TimeSpan.Zero);
        kit.Advance(TimeSpan.FromSeconds(1));

        Assert.That(await report.ExpectMessageAsync(), Is.EqualTo(new Msg.Text("timed out")));
    }

    [Test]
    public async Task Advance_AskFromTest_TimesOutOnTheFakeClock()
    {
        await using var kit = new ActorTestKit();
        var silent = kit.CreateProbe<Msg>();

        var ask = silent.Ref.Ask<int>(reply => new Msg.Get(reply), TimeSpan.FromMinutes(1)).AsTask();
        await silent.ExpectMessageAsync<Msg.Get>();
        kit.Advance(TimeSpan.FromMinutes(1));

        Assert.ThrowsAsync<TimeoutException>(async () => await ask);
    }

    [Test]
    public void Constructor_BadTimeout_Throws() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => _ = new ActorTestKit(new ActorTestKitOptions { DefaultTimeout = TimeSpan.Zero }));

    [Test]
    public async Task ConfigureSystem_SetsName_SystemUsesIt()
    {
        await using var kit = new ActorTestKit(new ActorTestKitOptions { ConfigureSystem = o => o.Name = "mine" });

        Assert.That(kit.System.Name, Is.EqualTo("mine"));
    }
}
