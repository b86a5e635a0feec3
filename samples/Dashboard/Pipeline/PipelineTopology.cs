using Spillway.Actors;

namespace Spillway.Samples.Dashboard.Pipeline;

/// <summary>
/// The running pipeline: parsers, then one enricher, then aggregator shards, then the slow archive writer. Built from
/// the end backwards, so each stage is spawned with references to the next.
/// </summary>
internal sealed class PipelineTopology
{
    private PipelineTopology(ActorRef<RawRecord>[] parsers, ActorRef<AggregatorMessage>[] aggregators, ActorRef<Alert> archive)
    {
        Parsers = parsers;
        Aggregators = aggregators;
        Archive = archive;
    }

    /// <summary>Gets the parsers the producers tell raw records to.</summary>
    public IReadOnlyList<ActorRef<RawRecord>> Parsers { get; }

    /// <summary>Gets the aggregator shards, for asking totals.</summary>
    public IReadOnlyList<ActorRef<AggregatorMessage>> Aggregators { get; }

    /// <summary>Gets the slow archive writer.</summary>
    public ActorRef<Alert> Archive { get; }

    public static PipelineTopology Spawn(ActorSystem system, DashboardOptions options, RegionCatalog regions)
    {
        // The slow consumer. Spawned by type: built through the container (constructor injection). Its mailbox is
        // bounded, so a long burst turns the excess into dead letters instead of growing without limit.
        var archive = system.Spawn<ArchiveWriter, Alert>("archive", new SpawnOptions { MailboxCapacity = options.ArchiveCapacity });

        var aggregators = new ActorRef<AggregatorMessage>[options.Aggregators];
        for (var i = 0; i < aggregators.Length; i++)
        {
            // Each shard tells the archive through a reference of its own: a lane of its own, in the archive's mailbox.
            // Cloned outside the factory, so a restarted instance keeps the same lane.
            var toArchive = archive.Clone();
            aggregators[i] = system.Spawn(() => new Aggregator(toArchive, options.AlertThreshold), $"aggregator-{i}");
        }

        var enricherShards = aggregators.Select(a => a.Clone()).ToArray();
        var enricher = system.Spawn(() => new Enricher(regions, enricherShards), "enricher");

        // Malformed records make a parser throw: restart it (a fresh instance, same mailbox), up to 100 times a minute.
        var parserOptions = new SpawnOptions
        {
            Supervision = SupervisionStrategy.Decide(
                static error => error is FormatException ? SupervisionDirective.Restart : SupervisionDirective.Stop,
                maxRestarts: 100,
                restartWindow: TimeSpan.FromMinutes(1)),
        };
        var parsers = new ActorRef<RawRecord>[options.Parsers];
        for (var i = 0; i < parsers.Length; i++)
        {
            var toEnricher = enricher.Clone();
            parsers[i] = system.Spawn(() => new Parser(toEnricher), $"parser-{i}", parserOptions);
        }

        return new PipelineTopology(parsers, aggregators, archive);
    }
}
