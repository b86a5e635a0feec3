using System.Threading.Channels;
using AkkaActor = Akka.Actor;

namespace Spillway.Actors.Benchmarks.Referee;

/// <summary>
/// The shapes the team's performance referee measures, built the way it builds them: the channel with P dedicated
/// producer threads and one consumer task, ping-pong with four pairs, one actor told from two threads, and request-reply
/// with one and four askers.
/// </summary>
internal static class RefereeShapes
{
    public const int ChannelMessages = 10_000_000;
    public const int DeliveriesPerPair = 1_000_000;
    public const int TellMessages = 4_000_000;
    public const int Asks = 100_000;

    /// <summary>Every shape by a short key (what the driver's filter matches), each built only when asked for.</summary>
    public static IEnumerable<(string Key, Func<RefereeShape> Create)> All()
    {
        yield return ("channel-1", () => Channel(producers: 1));
        yield return ("channel-8", () => Channel(producers: 8));
        yield return ("pingpong-4", () => PingPong(pairs: 4));
        yield return ("pingpong-1", () => PingPong(pairs: 1));
        yield return ("tell-2", () => TellFromThreads(senders: 2));
        yield return ("ask-1", () => Ask(askers: 1));
        yield return ("ask-4", () => Ask(askers: 4));
    }

    /// <summary>P producer threads write <see cref="ChannelMessages"/> ints in all; one consumer task reads them.</summary>
    private static RefereeShape Channel(int producers) => new(
        $"channel, {producers} producer(s), {ChannelMessages:N0} ints",
        "ns/message",
        ChannelMessages,
        [
            new("Channel.CreateUnbounded<int>()", () => RunBclChannel(producers)),
            new("SpillwayChannel.Create<int>()", () => RunSpillwayChannel(producers)),
        ],
        static () => default);

    private static async Task RunBclChannel(int producers)
    {
        var channel = System.Threading.Channels.Channel.CreateUnbounded<int>();
        await RunProducersAndConsumer(
            producers,
            _ => channel.Writer,
            static (writer, value) => writer.TryWrite(value),
            () => channel.Writer.Complete(),
            channel.Reader);
    }

    private static async Task RunSpillwayChannel(int producers)
    {
        var (sender, receiver) = SpillwayChannel.Create<int>();

        // Each producer's clone is made before the barrier, as the referee does.
        var senders = Enumerable.Range(0, producers).Select(p => p == 0 ? sender : sender.Clone()).ToArray();
        await RunProducersAndConsumer(
            producers,
            p => senders[p],
            static (writer, value) => writer.TryWrite(value),
            () =>
            {
                foreach (var handle in senders)
                {
                    handle.Dispose();
                }
            },
            receiver);
    }

    private static async Task RunProducersAndConsumer<TWriter>(int producers, Func<int, TWriter> writerFor, Func<TWriter, int, bool> write, Action complete, ChannelReader<int> reader)
    {
        using var barrier = new Barrier(producers + 1);
        var threads = new Thread[producers];
        for (var p = 0; p < producers; p++)
        {
            var writer = writerFor(p);
            var share = ChannelMessages / producers;
            threads[p] = new Thread(() =>
            {
                barrier.SignalAndWait();
                for (var i = 0; i < share; i++)
                {
                    if (!write(writer, i))
                    {
                        throw new InvalidOperationException("write refused");
                    }
                }
            }) { IsBackground = true };
            threads[p].Start();
        }

        var consumer = Task.Run(async () =>
        {
            long read = 0;
            while (await reader.WaitToReadAsync().ConfigureAwait(false))
            {
                while (reader.TryRead(out _))
                {
                    read++;
                }
            }

            return read;
        });
        barrier.SignalAndWait();
        foreach (var thread in threads)
        {
            thread.Join();
        }

        complete();
        var total = await consumer.ConfigureAwait(false);
        if (total != ChannelMessages / producers * producers)
        {
            throw new InvalidOperationException($"read {total} messages");
        }
    }

    /// <summary>K pairs bounce one ball each, <see cref="DeliveriesPerPair"/> deliveries per pair.</summary>
    private static RefereeShape PingPong(int pairs)
    {
        var countdown = new Countdown();
        var akka = AkkaActor.ActorSystem.Create("referee-pingpong");
        var akkaPairs = new (AkkaActor.IActorRef A, AkkaActor.IActorRef B)[pairs];
        var balls = new Ball[pairs];
        for (var p = 0; p < pairs; p++)
        {
            akkaPairs[p] = (
                akka.ActorOf(AkkaActor.Props.Create(() => new PingPongBenchmarks.AkkaPlayer(countdown))),
                akka.ActorOf(AkkaActor.Props.Create(() => new PingPongBenchmarks.AkkaPlayer(countdown))));
            balls[p] = new Ball();
        }

        var spillway = ActorSystem.Create();
        var starters = PingPongBenchmarks.SpawnSpillwayPairs(spillway, pairs, countdown);
        return new RefereeShape(
            $"ping-pong, {pairs} pair(s), {DeliveriesPerPair:N0} deliveries per pair",
            "ns/delivery",
            (long)pairs * DeliveriesPerPair,
            [
                new("Akka.NET 1.5.74", () =>
                {
                    countdown.Reset(pairs);
                    for (var p = 0; p < pairs; p++)
                    {
                        balls[p].HopsLeft = DeliveriesPerPair;
                        akkaPairs[p].A.Tell(balls[p], akkaPairs[p].B);
                    }

                    return countdown.Done;
                }),
                new("Spillway.Actors", () =>
                {
                    countdown.Reset(pairs);
                    foreach (var starter in starters)
                    {
                        starter.Tell(DeliveriesPerPair);
                    }

                    return countdown.Done;
                }),
            ],
            async () =>
            {
                await akka.Terminate();
                await spillway.DisposeAsync();
            });
    }

    /// <summary>Two sender threads tell one actor <see cref="TellMessages"/> messages in all.</summary>
    private static RefereeShape TellFromThreads(int senders)
    {
        var countdown = new Countdown();
        var akka = AkkaActor.ActorSystem.Create("referee-tell");
        var akkaCounter = akka.ActorOf(AkkaActor.Props.Create(() => new TellBenchmarks.AkkaCounter(countdown)));
        var spillway = ActorSystem.Create();
        var actor = spillway.Spawn(() => new SpillwayCountingActor(countdown));
        var refs = Enumerable.Range(0, senders).Select(_ => actor.Clone()).ToArray();

        // By hand: a Channel<T> with an async loop as the actor's mailbox and turn loop.
        var mailbox = System.Threading.Channels.Channel.CreateUnbounded<int>(new UnboundedChannelOptions { SingleReader = true });
        var loop = Task.Run(async () =>
        {
            while (await mailbox.Reader.WaitToReadAsync().ConfigureAwait(false))
            {
                while (mailbox.Reader.TryRead(out _))
                {
                    countdown.Signal();
                }
            }
        });
        var share = TellMessages / senders;
        Task Run(Func<int, Action> sender)
        {
            countdown.Reset((long)share * senders);
            SenderThreads.Run(senders, sender);
            return countdown.Done;
        }

        return new RefereeShape(
            $"tell one actor from {senders} threads, {TellMessages:N0} messages",
            "ns/message",
            (long)share * senders,
            [
                new("Akka.NET 1.5.74", () => Run(_ => () =>
                {
                    for (var i = 0; i < share; i++)
                    {
                        akkaCounter.Tell(Ping.Instance, AkkaActor.ActorRefs.NoSender);
                    }
                })),
                new("Channel<T> + async loop by hand", () => Run(_ => () =>
                {
                    var writer = mailbox.Writer;
                    for (var i = 0; i < share; i++)
                    {
                        writer.TryWrite(i);
                    }
                })),
                new("Spillway.Actors", () => Run(s => () =>
                {
                    var mine = refs[s];
                    for (var i = 0; i < share; i++)
                    {
                        mine.Tell(i);
                    }
                })),
            ],
            async () =>
            {
                mailbox.Writer.Complete();
                await loop;
                await akka.Terminate();
                await spillway.DisposeAsync();
            });
    }

    /// <summary>Askers await <see cref="Asks"/> asks in all, one after another each, from one actor that replies.</summary>
    private static RefereeShape Ask(int askers)
    {
        AskContestant[] contestants = [new AkkaAskContestant(), new ProtoAskContestant(), new ActionBlockAskContestant(), new ActionBlockAskContestant(HandWrittenReply.AsynchronousContinuations), new ActionBlockAskContestant(HandWrittenReply.WithTimeout), new ActionBlockAskContestant(HandWrittenReply.AsynchronousContinuationsWithTimeout), new SpillwayAskContestant()];
        return new RefereeShape(
            $"ask, {askers} asker(s), {Asks:N0} asks",
            "ns/ask",
            Asks / askers * askers,
            [.. contestants.Select(c => new RefereeContestant(c.Name, () => c.RunAsync(askers, Asks / askers)))],
            async () =>
            {
                foreach (var contestant in contestants)
                {
                    await contestant.DisposeAsync();
                }
            });
    }
}
