namespace Spillway.Actors.TestKit.Tests;

/// <summary>Messages of the small actors these tests drive.</summary>
public abstract record Msg
{
    public sealed record Add(int Amount) : Msg;

    public sealed record Get(Reply<int> Reply) : Msg;

    public sealed record Echo(string Words, ActorRef<Msg> To) : Msg;

    public sealed record Text(string Value) : Msg;

    public sealed record Number(int Value) : Msg;

    public sealed record Later(TimeSpan Delay, ActorRef<Msg> To) : Msg;

    public sealed record Boom : Msg;

    public sealed record StopYourself : Msg;

    public sealed record AskOther(ActorRef<Msg> Other, TimeSpan Timeout, ActorRef<Msg> ReportTo) : Msg;

    public sealed record YieldThenEcho(string Words, ActorRef<Msg> To) : Msg;

    public sealed record Forever(ActorRef<Msg> Partner) : Msg;
}

/// <summary>A counter that also echoes, arms timers, asks other actors and fails on demand.</summary>
public sealed class Worker : Actor<Msg>
{
    public int Total { get; private set; }

    protected override async ValueTask ReceiveAsync(Msg message)
    {
        switch (message)
        {
            case Msg.Add add:
                Total += add.Amount;
                break;
            case Msg.Get get:
                get.Reply.Send(Total);
                break;
            case Msg.Echo echo:
                echo.To.Tell(new Msg.Text(echo.Words));
                break;
            case Msg.Later later:
                Context.ScheduleOnce(new Msg.Echo("timer", later.To), later.Delay);
                break;
            case Msg.Boom:
                throw new InvalidOperationException("boom");
            case Msg.StopYourself:
                Context.Stop();
                break;
            case Msg.AskOther ask:
                try
                {
                    var value = await ask.Other.Ask<int>(reply => new Msg.Get(reply), ask.Timeout);
                    ask.ReportTo.Tell(new Msg.Number(value));
                }
                catch (TimeoutException)
                {
                    ask.ReportTo.Tell(new Msg.Text("timed out"));
                }

                break;
            case Msg.YieldThenEcho yieldThenEcho:
                await Task.Yield();
                yieldThenEcho.To.Tell(new Msg.Text(yieldThenEcho.Words));
                break;
            case Msg.Forever forever:
                forever.Partner.Tell(new Msg.Forever(Context.Self));
                break;
        }
    }
}
