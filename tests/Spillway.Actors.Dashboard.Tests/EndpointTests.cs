using System.Net;
using System.Security.Claims;
using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Spillway.Actors.Dashboard.Tests.TestKit;

namespace Spillway.Actors.Dashboard.Tests;

public sealed class EndpointTests
{
    [Test]
    public async Task MapSpillwayDashboard_GetPattern_ServesTheSelfContainedPage()
    {
        await using var host = await DashboardHost.StartAsync();

        using var response = await host.Client.GetAsync("/spillway");
        var html = await response.Content.ReadAsStringAsync();

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("text/html"));
        Assert.That(html, Does.Contain("<canvas"));
        Assert.That(html, Does.Not.Contain("src=\"http").And.Not.Contain("href=\"http").And.Not.Contain("@import"), "the page loads nothing from elsewhere");
    }

    [Test]
    public async Task MapSpillwayDashboard_GetData_ReturnsTheSnapshotAsJsonWithoutMessageContents()
    {
        await using var host = await DashboardHost.StartAsync();
        var collector = host.Services.GetRequiredService<SpillwayDashboardCollector>();
        var tally = new Tally(20);
        var actor = host.System.Spawn(() => new SecretActor(tally), "secretive");
        for (var i = 0; i < tally.Expected; i++)
        {
            actor.Tell(new Secret("TOP-SECRET-PAYLOAD"));
        }

        await tally.Done.Task.OrTimeout();
        Assert.That(collector.TryTick(), Is.True);

        using var response = await host.Client.GetAsync("/spillway/data");
        var json = await response.Content.ReadAsStringAsync();
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        var type = root.GetProperty("actorTypes").EnumerateArray().Single(t => t.GetProperty("name").GetString() == nameof(SecretActor));

        Assert.That(response.Headers.CacheControl?.NoStore, Is.True);
        Assert.That(json, Does.Not.Contain("TOP-SECRET-PAYLOAD"));
        Assert.That(root.GetProperty("windowSeconds").GetInt32(), Is.EqualTo(10));
        Assert.That(root.GetProperty("busyWorkers").ValueKind, Is.EqualTo(JsonValueKind.Array));
        Assert.That(root.GetProperty("readyMailboxes").ValueKind, Is.EqualTo(JsonValueKind.Array));
        Assert.That(root.GetProperty("busiestActors").ValueKind, Is.EqualTo(JsonValueKind.Array));
        Assert.That(type.GetProperty("processed").GetInt64(), Is.EqualTo(20));
        Assert.That(type.GetProperty("processedPerSecond").ValueKind, Is.EqualTo(JsonValueKind.Array));
        Assert.That(type.GetProperty("sentPerSecond").ValueKind, Is.EqualTo(JsonValueKind.Array));
        Assert.That(type.GetProperty("queued").GetInt64(), Is.Zero);
        Assert.That(type.GetProperty("liveActors").GetInt64(), Is.EqualTo(1));
        foreach (var distribution in new[] { "laneDepth", "handlerSeconds" })
        {
            Assert.That(type.GetProperty(distribution).EnumerateObject().Select(p => p.Name), Is.EqualTo(new[] { "samples", "p50", "p90", "p99", "max" }));
        }

        Assert.That(type.GetProperty("restarts").GetInt64(), Is.Zero);
        Assert.That(type.GetProperty("deadLetters").GetInt64(), Is.Zero);
        Assert.That(type.GetProperty("events").GetArrayLength(), Is.Zero);
    }

    [Test]
    public async Task MapSpillwayDashboard_RequireAuthorization_AppliesToThePageAndItsData()
    {
        await using var host = await DashboardHost.StartAsync(
            builder =>
            {
                builder.Services.AddAuthentication(HeaderAuthenticationHandler.SchemeName)
                    .AddScheme<AuthenticationSchemeOptions, HeaderAuthenticationHandler>(HeaderAuthenticationHandler.SchemeName, null);
                builder.Services.AddAuthorization();
            },
            app =>
            {
                app.UseAuthentication();
                app.UseAuthorization();
                app.MapSpillwayDashboard("/ops/actors").RequireAuthorization();
            });

        foreach (var path in new[] { "/ops/actors", "/ops/actors/data" })
        {
            using var anonymous = await host.Client.GetAsync(path);
            using var request = new HttpRequestMessage(HttpMethod.Get, path);
            request.Headers.Add(HeaderAuthenticationHandler.Header, "operator");
            using var signedIn = await host.Client.SendAsync(request);

            Assert.That(anonymous.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized), path);
            Assert.That(signedIn.StatusCode, Is.EqualTo(HttpStatusCode.OK), path);
        }
    }

    [Test]
    public void MapSpillwayDashboard_WithoutAddSpillwayDashboard_SaysWhatIsMissing()
    {
        var builder = WebApplication.CreateBuilder();
        builder.Logging.ClearProviders();
        var app = builder.Build();

        Assert.That(() => app.MapSpillwayDashboard(), Throws.InvalidOperationException.With.Message.Contains("AddSpillwayDashboard"));
    }

    [Test]
    public void AddSpillwayDashboard_OptionsOutOfRange_FailsTheHostStartNamingThem()
    {
        var builder = WebApplication.CreateBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Services.AddSpillwayDashboard(o => o.HistorySeconds = 5);
        var app = builder.Build();

        Assert.That(
            async () => await app.StartAsync(),
            Throws.TypeOf<OptionsValidationException>().With.Message.Contains("HistorySeconds"));
    }

    private sealed record Secret(string Text);

    private sealed class SecretActor(Tally tally) : Actor<Secret>
    {
        protected override ValueTask ReceiveAsync(Secret message)
        {
            tally.Add();
            return default;
        }
    }

    /// <summary>Signs a request in when it carries the <see cref="Header"/> header; otherwise answers a challenge with 401.</summary>
    private sealed class HeaderAuthenticationHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder)
        : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
    {
        public const string SchemeName = "TestHeader";
        public const string Header = "X-Test-User";

        protected override Task<AuthenticateResult> HandleAuthenticateAsync()
        {
            if (!Request.Headers.TryGetValue(Header, out var user))
            {
                return Task.FromResult(AuthenticateResult.NoResult());
            }

            var identity = new ClaimsIdentity([new Claim(ClaimTypes.Name, user.ToString())], SchemeName);
            return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName)));
        }
    }
}
