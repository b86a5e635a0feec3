namespace Spillway.Actors.Hosting.Tests.TestKit;

/// <summary>An actor whose handler and hooks are delegates, so each test states only the behaviour it needs.</summary>
/// <typeparam name="TMsg">The message type.</typeparam>
internal sealed class DelegateActor<TMsg> : Actor<TMsg>
{
    public Func<ActorContext<TMsg>, TMsg, ValueTask> OnReceive { get; init; } = static (_, _) => default;

    public Func<ActorContext<TMsg>, ValueTask>? OnStarted { get; init; }

    public Func<ActorContext<TMsg>, ValueTask>? OnStopped { get; init; }

    public Func<ActorContext<TMsg>, Exception, ValueTask>? OnRestarting { get; init; }

    /// <summary>An actor that runs <paramref name="receive"/> for every message and completes at once.</summary>
    public static DelegateActor<TMsg> Of(Action<TMsg> receive) => new()
    {
        OnReceive = (_, message) =>
        {
            receive(message);
            return default;
        },
    };

    protected override ValueTask ReceiveAsync(TMsg message) => OnReceive(Context, message);

    protected override ValueTask OnStartedAsync() => OnStarted?.Invoke(Context) ?? default;

    protected override ValueTask OnStoppedAsync() => OnStopped?.Invoke(Context) ?? default;

    protected override ValueTask OnRestartingAsync(Exception reason) => OnRestarting?.Invoke(Context, reason) ?? default;
}
