namespace Spillway.Actors.Dashboard.Tests.Browser;

/// <summary>
/// Finds Debian's Chromium (<c>apt-get install chromium</c>, which .ci/run does) and the flags it needs to run headless
/// as root on a machine without a network: no sandbox, no GPU, and none of its background connections.
/// </summary>
internal static class Chromium
{
    /// <summary>The environment variable that points at another Chromium binary.</summary>
    public const string PathVariable = "SPILLWAY_CHROMIUM";

    public static string ExecutablePath => Environment.GetEnvironmentVariable(PathVariable) is { Length: > 0 } path ? path : "/usr/bin/chromium";

    public static string[] Arguments { get; } =
    [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
    ];

    /// <summary>
    /// Fails the test in CI (the <c>CI</c> environment variable set) and ignores it elsewhere, with what to install,
    /// when Chromium is missing.
    /// </summary>
    public static void RequireInstalled()
    {
        if (File.Exists(ExecutablePath))
        {
            return;
        }

        var message = $"Chromium is not at {ExecutablePath}: install Debian's package (apt-get install -y chromium, as .ci/run does) or point {PathVariable} at a Chromium binary.";
        if (!string.IsNullOrEmpty(Environment.GetEnvironmentVariable("CI")))
        {
            Assert.Fail(message);
        }

        Assert.Ignore(message);
    }
}
