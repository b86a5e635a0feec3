using System.Globalization;

namespace Spillway.Actors;

/// <summary>
/// An actor's name as spawned: the name the user gave, or a generated one ("$" and a number, unique in its system) that
/// becomes a string only when something asks for it.
/// </summary>
/// <remarks>
/// A generated name is not kept as a string: most actors spawned without a name are never asked for it (only logs, dead
/// letters, errors and diagnostics ask), and the string ("$1234567", 40 bytes) was the largest object an idle actor held
/// after its cell, its lanes and its reference. Registries match generated names by the cell's identity
/// (<see cref="ActorRegistryComparer"/>), so nothing needs the string to register, find or remove the actor.
/// Thread-safety: immutable.
/// </remarks>
internal readonly struct ActorName
{
    private ActorName(string? given, long generatedNumber)
    {
        Given = given;
        GeneratedNumber = generatedNumber;
    }

    /// <summary>Gets the name the user gave, or <see langword="null"/> for a generated name.</summary>
    public string? Given { get; }

    /// <summary>Gets the number of a generated name (its text is "$" and the number); 0 for a given name.</summary>
    public long GeneratedNumber { get; }

    /// <summary>A name the user gave (already validated: it never starts with '$', so it never equals a generated one).</summary>
    public static ActorName FromGiven(string name) => new(name, 0);

    /// <summary>A generated name: "$" and <paramref name="number"/>, which the system hands out once.</summary>
    public static ActorName FromGenerated(long number) => new(null, number);

    /// <summary>Gets the name's text: the given name, or a new string for a generated one (each call makes one).</summary>
    public override string ToString() => Given ?? "$" + GeneratedNumber.ToString(CultureInfo.InvariantCulture);
}
