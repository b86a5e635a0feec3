using System.Globalization;
using Spillway.Actors;

namespace Spillway.Samples.Dashboard.Pipeline;

/// <summary>
/// Parses raw lines into readings for the enricher. A malformed line throws <see cref="FormatException"/>, and the
/// parser's supervision strategy restarts it (the failing line is skipped, the mailbox keeps the rest).
/// </summary>
internal sealed class Parser(ActorRef<Reading> enricher) : Actor<RawRecord>
{
    protected override ValueTask ReceiveAsync(RawRecord message)
    {
        enricher.Tell(Parse(message.Line));
        return default;
    }

    private static Reading Parse(string line)
    {
        var parts = line.Split(';');
        if (parts.Length != 3 || !double.TryParse(parts[2], NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
        {
            throw new FormatException($"Malformed record '{line}': expected 'sensor;region;value'.");
        }

        return new Reading(parts[0], parts[1], value);
    }
}
