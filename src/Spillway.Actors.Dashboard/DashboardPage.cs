namespace Spillway.Actors.Dashboard;

/// <summary>The page, read once from the embedded resource <c>Page/index.html</c>.</summary>
internal static class DashboardPage
{
    public const string ResourceName = "Spillway.Actors.Dashboard.index.html";

    private static readonly Lazy<byte[]> s_html = new(Load);

    public static byte[] Html => s_html.Value;

    private static byte[] Load()
    {
        using var stream = typeof(DashboardPage).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"The dashboard page ({ResourceName}) is missing from the assembly.");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
