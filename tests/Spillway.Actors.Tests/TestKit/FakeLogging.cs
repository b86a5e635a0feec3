using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using NSubstitute;

namespace Spillway.Actors.Tests.TestKit;

/// <summary>A logger factory (an NSubstitute stand-in) whose every logger writes to one <see cref="FakeLogCollector"/>.</summary>
internal static class FakeLogging
{
    public static ILoggerFactory CreateFactory(FakeLogCollector collector)
    {
        var factory = Substitute.For<ILoggerFactory>();
        factory.CreateLogger(Arg.Any<string>()).Returns(call => new FakeLogger(collector, call.Arg<string>()));
        return factory;
    }
}
