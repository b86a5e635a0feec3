namespace Spillway.Samples.Dashboard.Pipeline;

/// <summary>Region codes and their display names: a service from the container, shared by every enricher.</summary>
/// <remarks>Thread-safety: immutable.</remarks>
internal sealed class RegionCatalog
{
    private readonly Dictionary<string, string> _names = new(StringComparer.Ordinal)
    {
        ["eu-west"] = "Europe (Ireland)",
        ["eu-central"] = "Europe (Frankfurt)",
        ["us-east"] = "US East (Virginia)",
        ["us-west"] = "US West (Oregon)",
        ["ap-south"] = "Asia Pacific (Mumbai)",
        ["ap-northeast"] = "Asia Pacific (Tokyo)",
    };

    /// <summary>Gets the known region codes.</summary>
    public IReadOnlyList<string> Codes => [.. _names.Keys];

    /// <summary>Returns the display name of a region code, or the code itself when it is unknown.</summary>
    public string NameOf(string code) => _names.TryGetValue(code, out var name) ? name : code;
}
