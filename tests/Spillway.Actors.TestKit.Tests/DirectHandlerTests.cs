namespace Spillway.Actors.TestKit.Tests;

public class DirectHandlerTests
{
    [Test]
    public async Task TestReply_HandlerSends_TaskGetsTheValue()
    {
        var worker = new Worker();
        await ActorHandler.ReceiveAsync(worker, new Msg.Add(4));
        var reply = TestReply.Create<int>();

        await ActorHandler.ReceiveAsync(worker, new Msg.Get(reply.Reply));

        Assert.That(reply.IsCompleted, Is.True);
        Assert.That(await reply.Task, Is.EqualTo(4));
        Assert.That(await reply.Task, Is.EqualTo(4), "the task may be awaited again");
    }

    [Test]
    public void TestReply_Failed_TaskThrowsTheError()
    {
        var reply = TestReply.Create<string>();

        reply.Reply.Fail(new FormatException("nope"));
        reply.Reply.Send("too late");

        Assert.ThrowsAsync<FormatException>(async () => await reply.Task);
    }

    [Test]
    public void TestReply_NotAnswered_TaskPending()
    {
        var reply = TestReply.Create<int>();

        Assert.That(reply.Task.IsCompleted, Is.False);
        Assert.That(reply.IsCompleted, Is.False);
    }

    [Test]
    public void ReceiveAsync_HandlerThrows_ReachesTheTest()
    {
        var worker = new Worker();

        Assert.ThrowsAsync<InvalidOperationException>(async () => await ActorHandler.ReceiveAsync(worker, new Msg.Boom()));
    }

    [Test]
    public void ReceiveAsync_HandlerUsesContext_ThrowsNamingTheBoundary()
    {
        var worker = new Worker();
        var probe = TestReply.Create<int>();

        var error = Assert.ThrowsAsync<InvalidOperationException>(async () =>
            await ActorHandler.ReceiveAsync(worker, new Msg.StopYourself()));

        Assert.That(error!.Message, Does.Contain("has no context"));
        Assert.That(probe.IsCompleted, Is.False);
    }
}
