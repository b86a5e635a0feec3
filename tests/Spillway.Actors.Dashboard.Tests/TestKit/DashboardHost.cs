using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Spillway.Actors.Dashboard.Tests.TestKit;

/// <summary>
/// A real ASP.NET Core app on Kestrel at 127.0.0.1 on a free port, with an actor system and the dashboard registered;
/// each test adds what it needs through the two callbacks.
/// </summary>
internal sealed class DashboardHost : IAsyncDisposable
{
    private DashboardHost(WebApplication app, Uri baseAddress)
    {
        App = app;
        BaseAddress = baseAddress;
        Client = new HttpClient { BaseAddress = baseAddress, Timeout = Wait.Timeout };
    }

    public WebApplication App { get; }

    public Uri BaseAddress { get; }

    public HttpClient Client { get; }

    public IServiceProvider Services => App.Services;

    public ActorSystem System => Services.GetRequiredService<ActorSystem>();

    public static async Task<DashboardHost> StartAsync(
        Action<WebApplicationBuilder>? configureServices = null,
        Action<WebApplication>? configureApp = null,
        string systemName = "dashboard-test")
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Testing" });
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        builder.Services.AddSpillwayActors(o =>
        {
            o.Name = systemName;
            o.WorkerCount = 2;
        });
        builder.Services.AddSpillwayDashboard();
        configureServices?.Invoke(builder);
        var app = builder.Build();
        if (configureApp is null)
        {
            app.MapSpillwayDashboard();
        }
        else
        {
            configureApp(app);
        }

        await app.StartAsync().OrTimeout();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new DashboardHost(app, new Uri(address));
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await App.StopAsync().OrTimeout();
        await App.DisposeAsync();
    }
}
