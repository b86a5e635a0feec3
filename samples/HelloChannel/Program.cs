using Spillway;

var (sender, receiver) = SpillwayChannel.Create<int>();
using var second = sender.Clone();          // the next lane, round-robin
sender.Send(1);                              // synchronous; takes only this lane's lock
second.Send(2);
sender.Dispose();                            // the channel completes when every sender is disposed
second.Dispose();
await foreach (var item in receiver.ReadAllAsync())
{
    Console.WriteLine(item);                 // 1, then 2
}
