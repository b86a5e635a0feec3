namespace Spillway.Actors.TestKit.Tests;

public class TestProbeTests
{
    private static readonly TimeSpan s_short = TimeSpan.FromMilliseconds(100);

    [Test]
    public async Task ExpectMessageAsync_MessageTold_ReturnsItInOrder()
    {
        await using var kit = new ActorTestKit();
        var probe = kit.CreateProbe<Msg>();
        var worker = kit.System.Spawn(() => new Worker());

        worker.Tell(new Msg.Echo("one", probe.Ref));
        worker.Tell(new Msg.Echo("two", probe.Ref));

        Assert.That(await probe.ExpectMessageAsync(), Is.EqualTo(new Msg.Text("one")));
        Assert.That(await probe.ExpectMessageAsync(), Is.EqualTo(new Msg.Text("two")));
    }

    [Test]
    public async Task ExpectMessageAsync_NothingArrives_FailsAfterTimeoutNamingProbe()
    {
        await using var kit = new ActorTestKit();
        var probe = kit.CreateProbe<Msg>("silent");

        var error = Assert.ThrowsAsync<TestKitAssertionException>(async () => await probe.ExpectMessageAsync(s_short));

        Assert.That(error!.Message, Does.Contain("testkit/silent").And.Contain("expected a message within 00:00:00.1").And.Contain("none arrived"));
    }

    [Test]
    public async Task ExpectMessageAsyncOfT_OtherTypeArrives_FailsNamingBoth()
    {
        await using var kit = new ActorTestKit(new ActorTestKitOptions { Mode = TestKitMode.Deterministic });
        var probe = kit.CreateProbe<Msg>();
        probe.Ref.Tell(new Msg.Text("hello"));

        var error = Assert.ThrowsAsync<TestKitAssertionException>(async () => await probe.ExpectMessageAsync<Msg.Number>());

        Assert.That(error!.Message, Does.Contain("of type Number").And.Contain("Text { Value = hello }"));
    }

    [Test]
    public async Task ExpectMessageAsyncOfT_MatchingType_ReturnsTyped()
    {
        await using var kit = new ActorTestKit();
        var probe = kit.CreateProbe<Msg>();
        probe.Ref.Tell(new Msg.Number(7));

        var number = await probe.ExpectMessageAsync<Msg.Number>();

        Assert.That(number.Value, Is.EqualTo(7));
    }

    [Test]
    public async Task ExpectNoMessageAsync_MessageArrives_FailsNamingIt()
    {
        await using var kit = new ActorTestKit();
        var probe = kit.CreateProbe<Msg>();
        probe.Ref.Tell(new Msg.Number(3));

        var error = Assert.ThrowsAsync<TestKitAssertionException>(async () => await probe.ExpectNoMessageAsync(TimeSpan.FromSeconds(5)));

        Assert.That(error!.Message, Does.Contain("expected no message").And.Contain("Number { Value = 3 }"));
    }

    [Test]
    public async Task ExpectNoMessageAsync_Quiet_PassesAfterWatching()
    {
        await using var kit = new ActorTestKit();
        var probe = kit.CreateProbe<Msg>();

        await probe.ExpectNoMessageAsync(s_short);

        Assert.That(probe.PendingCount, Is.Zero);
    }

    [Test]
    public async Task FishForMessageAsync_OthersFirst_SkipsToTheMatch()
    {
        await using var kit = new ActorTestKit();
        var probe = kit.CreateProbe<Msg>();
        for (var i = 1; i <= 5; i++)
        {
            probe.Ref.Tell(new Msg.Number(i));
        }

        var found = await probe.FishForMessageAsync(m => m is Msg.Number { Value: 4 });

        Assert.That(found, Is.EqualTo(new Msg.Number(4)));
        Assert.That(await probe.ExpectMessageAsync(), Is.EqualTo(new Msg.Number(5)));
    }

    [Test]
    public async Task FishForMessageAsync_NoneMatches_FailsNamingSkipped()
    {
        await using var kit = new ActorTestKit(new ActorTestKitOptions { Mode = TestKitMode.Deterministic });
        var probe = kit.CreateProbe<Msg>();
        probe.Ref.Tell(new Msg.Number(1));
        probe.Ref.Tell(new Msg.Number(2));

        var error = Assert.ThrowsAsync<TestKitAssertionException>(async () => await probe.FishForMessageAsync(m => m is Msg.Text));

        Assert.That(error!.Message, Does.Contain("skipped 2: [Number { Value = 1 }, Number { Value = 2 }]"));
    }

    [Test]
    public async Task SetAutoPilot_AskToProbe_ProbeAnswersAndRecords()
    {
        await using var kit = new ActorTestKit();
        var probe = kit.CreateProbe<Msg>();
        probe.SetAutoPilot(m =>
        {
            if (m is Msg.Get get)
            {
                get.Reply.Send(42);
            }
        });

        var answer = await probe.Ref.Ask<int>(reply => new Msg.Get(reply), TimeSpan.FromSeconds(5));

        Assert.That(answer, Is.EqualTo(42));
        Assert.That(await probe.ExpectMessageAsync<Msg.Get>(), Is.Not.Null);
    }

    [Test]
    public async Task ExpectMessageAsync_ActorAsksProbe_TestAnswersThroughTheRequest()
    {
        await using var kit = new ActorTestKit(new ActorTestKitOptions { Mode = TestKitMode.Deterministic });
        var other = kit.CreateProbe<Msg>();
        var report = kit.CreateProbe<Msg>();
        var worker = kit.System.Spawn(() => new Worker());

        worker.Tell(new Msg.AskOther(other.Ref, TimeSpan.FromSeconds(5), report.Ref));
        var request = await other.ExpectMessageAsync<Msg.Get>();
        request.Reply.Send(9);

        Assert.That(await report.ExpectMessageAsync(), Is.EqualTo(new Msg.Number(9)));
    }

    [Test]
    public async Task SetAutoPilot_Throws_NextExpectationFailsWithTheCause()
    {
        await using var kit = new ActorTestKit(new ActorTestKitOptions { Mode = TestKitMode.Deterministic });
        var probe = kit.CreateProbe<Msg>();
        probe.SetAutoPilot(_ => throw new FormatException("bad pilot"));
        probe.Ref.Tell(new Msg.Number(1));

        var error = Assert.ThrowsAsync<TestKitAssertionException>(async () => await probe.ExpectMessageAsync());

        Assert.That(error!.InnerException, Is.TypeOf<FormatException>());
        Assert.That(error.Message, Does.Contain("auto-pilot").And.Contain("bad pilot"));
    }
}
