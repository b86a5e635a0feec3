using Microsoft.Extensions.DependencyInjection;

namespace Spillway.Actors.Hosting.Tests.DependencyInjection;

/// <summary>
/// The split between the runtime and its hosting package: the core assembly needs no hosting, options or configuration
/// assembly, and only the public extension class lives in the <c>Microsoft.Extensions.DependencyInjection</c> namespace.
/// </summary>
public sealed class PackageLayoutTests
{
    private const string DependencyInjectionNamespace = "Microsoft.Extensions.DependencyInjection";

    [Test]
    public void CoreAssembly_References_NoHostingOptionsOrConfiguration()
    {
        var references = typeof(ActorSystem).Assembly.GetReferencedAssemblies().Select(name => name.Name).ToList();

        Assert.That(references, Has.None.StartsWith("Microsoft.Extensions.Hosting"));
        Assert.That(references, Has.None.StartsWith("Microsoft.Extensions.Options"));
        Assert.That(references, Has.None.StartsWith("Microsoft.Extensions.Configuration"));
    }

    [Test]
    public void DependencyInjectionNamespace_HoldsOnlyThePublicExtensionClass()
    {
        var hosting = typeof(SpillwayActorsServiceCollectionExtensions).Assembly;
        var inNamespace = typeof(ActorSystem).Assembly.GetTypes().Concat(hosting.GetTypes())
            .Where(type => type.Namespace == DependencyInjectionNamespace && !type.IsNested)
            .ToList();

        Assert.That(hosting.GetName().Name, Is.EqualTo("Spillway.Actors.Hosting"));
        Assert.That(inNamespace, Is.EqualTo(new[] { typeof(SpillwayActorsServiceCollectionExtensions) }));
    }

    [Test]
    public void GetValidationErrors_TwoBadValues_ListsBothWithoutThrowing()
    {
        var options = new ActorSystemOptions { WorkerCount = 0, TurnSize = 0 };

        var errors = options.GetValidationErrors();

        Assert.That(errors, Has.Count.EqualTo(2));
        Assert.That(errors, Has.Some.StartsWith("ActorSystemOptions.WorkerCount:").And.Some.StartsWith("ActorSystemOptions.TurnSize:"));
        Assert.That(new ActorSystemOptions().GetValidationErrors(), Is.Empty);
    }
}
