namespace Spillway.Actors;

/// <summary>
/// Matches actors in the registries of names (the system's top-level actors, an actor's children): by their given name
/// (ordinal), or, for a generated name, by the cell itself, which is unique by construction. So a registry is keyed by
/// the cell and needs no string for an actor spawned without a name (see <see cref="ActorName"/>).
/// </summary>
/// <remarks>
/// A given name never starts with '$' (spawning validates it), so a given name never matches a generated one.
/// Thread-safety: stateless; any number of threads.
/// </remarks>
internal sealed class ActorRegistryComparer : IEqualityComparer<ActorCell>
{
    /// <summary>The one instance.</summary>
    public static readonly ActorRegistryComparer Instance = new();

    private ActorRegistryComparer()
    {
    }

    public bool Equals(ActorCell? x, ActorCell? y) =>
        ReferenceEquals(x, y)
        || (x?.ActorName.Given is { } left && y?.ActorName.Given is { } right && string.Equals(left, right, StringComparison.Ordinal));

    public int GetHashCode(ActorCell obj) =>
        obj.ActorName.Given is { } given ? StringComparer.Ordinal.GetHashCode(given) : obj.ActorName.GeneratedNumber.GetHashCode();
}
