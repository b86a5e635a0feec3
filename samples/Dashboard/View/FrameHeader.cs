namespace Spillway.Samples.Dashboard.View;

/// <summary>What the terminal view's top lines say besides the figures.</summary>
/// <param name="SystemName">The actor system's name.</param>
/// <param name="Uptime">How long the sample has run.</param>
/// <param name="PageUrl">The dashboard page's address, or <see langword="null"/> before the web server listens.</param>
/// <param name="MetricsUrl">The Prometheus endpoint's address.</param>
internal sealed record FrameHeader(string SystemName, TimeSpan Uptime, string? PageUrl, string MetricsUrl);
