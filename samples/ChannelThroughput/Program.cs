// Several producer threads, each with its own sender (its own lane), push messages through one spillway channel to
// one reader. The reader checks that every producer's messages arrive complete and in order, then prints the rate.
//
//   dotnet run -c Release --project samples/ChannelThroughput [producers] [messages per producer]
using System.Diagnostics;
using System.Globalization;
using Spillway;

var producers = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 4;
var perProducer = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 5_000_000;
if (producers < 1 || perProducer < 1)
{
    Console.Error.WriteLine("usage: ChannelThroughput [producers >= 1] [messages per producer >= 1]");
    return 2;
}

var (first, receiver) = SpillwayChannel.Create<long>(new SpillwayChannelOptions { Lanes = producers });

// One handle per producer: the first sender, then clones. Each clone takes the next lane, so producers never share a
// lock with each other, only (briefly) with the reader when it swaps a lane's messages out.
var senders = new Sender<long>[producers];
senders[0] = first;
for (var i = 1; i < producers; i++)
{
    senders[i] = first.Clone();
}

using var start = new ManualResetEventSlim();
var threads = new Thread[producers];
for (var p = 0; p < producers; p++)
{
    var producer = p;
    threads[p] = new Thread(() =>
    {
        // Every message carries its producer and its sequence number, so the reader can check the order.
        using var sender = senders[producer];
        var tag = (long)producer << 32;
        start.Wait();
        for (var sequence = 0; sequence < perProducer; sequence++)
        {
            sender.Send(tag | (uint)sequence);
        }

        // Disposing the last handle completes the channel once the reader has drained it.
    })
    { Name = $"producer {producer}", IsBackground = true };
    threads[p].Start();
}

var next = new int[producers];
long received = 0;
var outOfOrder = 0;
var stopwatch = Stopwatch.StartNew();
start.Set();

// The usual channel reader loop: take everything there is, then wait for more; ends when every sender is disposed and
// the channel is drained.
while (await receiver.WaitToReadAsync())
{
    while (receiver.TryRead(out var message))
    {
        var producer = (int)(message >> 32);
        var sequence = (int)(uint)message;
        if (sequence != next[producer])
        {
            outOfOrder++;
        }

        next[producer] = sequence + 1;
        received++;
    }
}

stopwatch.Stop();
foreach (var thread in threads)
{
    thread.Join();
}

receiver.Dispose();

var expected = (long)producers * perProducer;
var complete = received == expected && next.All(n => n == perProducer);
var seconds = stopwatch.Elapsed.TotalSeconds;
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"cores:       {Environment.ProcessorCount}"));
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"producers:   {producers} (one sender handle and lane each)"));
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"messages:    {received:N0} of {expected:N0} in {seconds:0.000} s"));
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"rate:        {received / seconds / 1e6:0.0} million messages/s ({seconds * 1e9 / received:0.0} ns per message)"));
Console.WriteLine($"order:       {(outOfOrder == 0 ? "every producer's messages arrived in order" : $"{outOfOrder} messages out of order")}");
Console.WriteLine($"delivery:    {(complete ? "complete, exactly once" : "INCOMPLETE")}");
return outOfOrder == 0 && complete ? 0 : 1;
