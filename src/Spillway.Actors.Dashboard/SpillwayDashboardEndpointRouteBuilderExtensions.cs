using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Spillway.Actors.Dashboard;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Maps the Spillway.Actors dashboard page and its data endpoint.</summary>
public static class SpillwayDashboardEndpointRouteBuilderExtensions
{
    private static readonly JsonSerializerOptions s_json = new(JsonSerializerDefaults.Web);

    /// <summary>
    /// Maps the dashboard under <paramref name="pattern"/>: <c>GET {pattern}</c> serves the page (HTML, CSS and script
    /// in one document embedded in this package: no CDN or other request leaves the machine) and
    /// <c>GET {pattern}/data</c> the latest <see cref="Spillway.Actors.Dashboard.Model.SpillwayDashboardSnapshot"/> as JSON, which the page polls
    /// once a second. Read-only: counts and timings, never message contents; neither is cached.
    /// </summary>
    /// <param name="endpoints">The application's endpoint route builder.</param>
    /// <param name="pattern">The route prefix of the page; default <c>/spillway</c>.</param>
    /// <returns>
    /// A builder for both endpoints, so conventions apply to the page and its data alike:
    /// <c>app.MapSpillwayDashboard().RequireAuthorization("ops")</c>.
    /// </returns>
    /// <exception cref="InvalidOperationException"><c>services.AddSpillwayDashboard()</c> was not called.</exception>
    public static IEndpointConventionBuilder MapSpillwayDashboard(this IEndpointRouteBuilder endpoints, string pattern = "/spillway")
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentException.ThrowIfNullOrWhiteSpace(pattern);
        var collector = endpoints.ServiceProvider.GetService<SpillwayDashboardCollector>()
            ?? throw new InvalidOperationException("The Spillway.Actors dashboard is not registered: call services.AddSpillwayDashboard() before app.MapSpillwayDashboard().");

        var group = endpoints.MapGroup(pattern);
        group.MapGet("/", static (HttpContext context) =>
        {
            NoStore(context.Response);
            context.Response.Headers.XContentTypeOptions = "nosniff";
            return Results.Bytes(DashboardPage.Html, "text/html; charset=utf-8");
        });
        group.MapGet("/data", (HttpContext context) =>
        {
            NoStore(context.Response);
            return Results.Json(collector.Latest, s_json);
        });
        return group;
    }

    private static void NoStore(HttpResponse response) => response.Headers.CacheControl = "no-store";
}
