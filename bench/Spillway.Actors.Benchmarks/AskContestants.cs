using System.Threading.Tasks.Dataflow;
using Akka.Actor;
using Proto;
using AkkaActor = Akka.Actor;
using ProtoActor = Proto;

namespace Spillway.Actors.Benchmarks;

/// <summary>
/// Request-reply in each runtime: one actor that answers every request with its number, and askers that each await
/// their asks one after another. Shared by <see cref="AskBenchmarks"/> and the referee.
/// </summary>
/// <remarks>Every contestant asks with the same 10-second timeout except the hand-written block, which has none.</remarks>
public abstract class AskContestant : IAsyncDisposable
{
    public static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(10);

    public abstract string Name { get; }

    /// <summary>Runs <paramref name="askers"/> concurrent askers that each ask <paramref name="asksPerAsker"/> times in a row.</summary>
    public Task RunAsync(int askers, int asksPerAsker)
    {
        var tasks = new Task[askers];
        for (var a = 0; a < askers; a++)
        {
            tasks[a] = Task.Run(() => AskInARowAsync(asksPerAsker));
        }

        return Task.WhenAll(tasks);
    }

    public abstract ValueTask DisposeAsync();

    protected abstract Task AskInARowAsync(int asks);
}

/// <summary>Spillway.Actors: <see cref="ActorRef{TMsg}.Ask{TReply, TState}"/> to an actor that sends the value back.</summary>
public sealed class SpillwayAskContestant : AskContestant
{
    private readonly ActorSystem _system;
    private readonly ActorRef<EchoRequest> _echo;

    public SpillwayAskContestant(ActorSystemOptions? options = null)
    {
        _system = ActorSystem.Create(options);
        _echo = _system.Spawn(() => new EchoActor());
    }

    public override string Name => "Spillway.Actors";

    public override async ValueTask DisposeAsync() => await _system.DisposeAsync();

    protected override async Task AskInARowAsync(int asks)
    {
        var echo = _echo.Clone();
        for (var i = 0; i < asks; i++)
        {
            // The state overload: a static lambda builds the request, so the ask allocates no closure and no delegate.
            if (await echo.Ask(static (Reply<int> reply, int value) => new EchoRequest(value, reply), i, AskTimeout) != i)
            {
                throw new InvalidOperationException("wrong reply");
            }
        }
    }

    public sealed record EchoRequest(int Value, Reply<int> Reply);

    private sealed class EchoActor : Actor<EchoRequest>
    {
        protected override ValueTask ReceiveAsync(EchoRequest message)
        {
            message.Reply.Send(message.Value);
            return default;
        }
    }
}

/// <summary>Akka.NET: <c>Ask&lt;int&gt;</c> to an actor that tells the value back to its sender.</summary>
public sealed class AkkaAskContestant : AskContestant
{
    private readonly AkkaActor.ActorSystem _system = AkkaActor.ActorSystem.Create("ask");
    private readonly AkkaActor.IActorRef _echo;

    public AkkaAskContestant() => _echo = _system.ActorOf(AkkaActor.Props.Create(() => new Echo()));

    public override string Name => "Akka.NET 1.5.74";

    public override async ValueTask DisposeAsync() => await _system.Terminate();

    protected override async Task AskInARowAsync(int asks)
    {
        for (var i = 0; i < asks; i++)
        {
            if (await _echo.Ask<int>(i, AskTimeout) != i)
            {
                throw new InvalidOperationException("wrong reply");
            }
        }
    }

    private sealed class Echo : AkkaActor.UntypedActor
    {
        protected override void OnReceive(object message) => Sender.Tell(message, Self);
    }
}

/// <summary>Proto.Actor: <c>RequestAsync&lt;int&gt;</c> to an actor that responds with the value.</summary>
public sealed class ProtoAskContestant : AskContestant
{
    private readonly ProtoActor.ActorSystem _system = new();
    private readonly PID _echo;

    public ProtoAskContestant() => _echo = _system.Root.Spawn(ProtoActor.Props.FromFunc(static context =>
    {
        if (context.Message is int value)
        {
            context.Respond(value);
        }

        return Task.CompletedTask;
    }));

    public override string Name => "Proto.Actor 1.8.0";

    public override async ValueTask DisposeAsync() => await _system.ShutdownAsync();

    protected override async Task AskInARowAsync(int asks)
    {
        var root = _system.Root;
        for (var i = 0; i < asks; i++)
        {
            if (await root.RequestAsync<int>(_echo, i, AskTimeout) != i)
            {
                throw new InvalidOperationException("wrong reply");
            }
        }
    }
}

/// <summary>How the hand-written <see cref="ActionBlockAskContestant"/> waits for its reply.</summary>
public enum HandWrittenReply
{
    /// <summary>A plain completion source: the asker's continuation runs inline inside the block's delegate.</summary>
    Inline,

    /// <summary>A completion source that runs continuations asynchronously: every reply resumes the asker on the pool.</summary>
    AsynchronousContinuations,

    /// <summary>A plain completion source awaited with <c>WaitAsync(timeout)</c>: the same 10-second time-out as the runtimes.</summary>
    WithTimeout,

    /// <summary>
    /// Both: asynchronous continuations and the runtimes' time-out, the way a careful hand-written ask is usually written
    /// (the asker never runs on the block's thread, and never waits forever).
    /// </summary>
    AsynchronousContinuationsWithTimeout,
}

/// <summary>By hand: an <see cref="ActionBlock{TInput}"/> that completes a <see cref="TaskCompletionSource{TResult}"/> per request.</summary>
/// <remarks>
/// Four ways to write it (<see cref="HandWrittenReply"/>). With the default completion source the asker's continuation
/// runs inline inside the block's delegate, so the asker posts its next request while the block is still running and
/// one thread serves the whole loop without a hop, with no time-out. With
/// <see cref="TaskCreationOptions.RunContinuationsAsynchronously"/> (the usual advice, which keeps the asker's code off
/// the block's thread) every reply resumes the asker on the thread pool, the block runs dry in between and starts a new
/// processing task for the next request. With <c>WaitAsync(timeout)</c> each ask also arms and disarms a timer, as the
/// runtimes' asks do; the fourth way does both.
/// </remarks>
public sealed class ActionBlockAskContestant : AskContestant
{
    private readonly ActionBlock<(int Value, TaskCompletionSource<int> Reply)> _block =
        new(static request => request.Reply.SetResult(request.Value));

    private readonly HandWrittenReply _reply;

    /// <param name="reply">How the asker waits for its reply.</param>
    public ActionBlockAskContestant(HandWrittenReply reply = HandWrittenReply.Inline) => _reply = reply;

    public override string Name => _reply switch
    {
        HandWrittenReply.Inline => "ActionBlock + TaskCompletionSource",
        HandWrittenReply.AsynchronousContinuations => "ActionBlock + TaskCompletionSource (async continuations)",
        HandWrittenReply.WithTimeout => "ActionBlock + TaskCompletionSource + WaitAsync(timeout)",
        _ => "ActionBlock + TaskCompletionSource (async continuations) + WaitAsync(timeout)",
    };

    public override async ValueTask DisposeAsync()
    {
        _block.Complete();
        await _block.Completion;
    }

    protected override async Task AskInARowAsync(int asks)
    {
        var options = _reply is HandWrittenReply.AsynchronousContinuations or HandWrittenReply.AsynchronousContinuationsWithTimeout
            ? TaskCreationOptions.RunContinuationsAsynchronously
            : TaskCreationOptions.None;
        var withTimeout = _reply is HandWrittenReply.WithTimeout or HandWrittenReply.AsynchronousContinuationsWithTimeout;
        for (var i = 0; i < asks; i++)
        {
            var reply = new TaskCompletionSource<int>(options);
            _block.Post((i, reply));
            var value = withTimeout ? await reply.Task.WaitAsync(AskTimeout).ConfigureAwait(false) : await reply.Task.ConfigureAwait(false);
            if (value != i)
            {
                throw new InvalidOperationException("wrong reply");
            }
        }
    }
}
