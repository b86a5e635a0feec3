namespace Spillway.Tests;

/// <summary>Options validation: bad input fails at creation with an exception naming the argument.</summary>
public sealed class SpillwayChannelOptionsTests
{
    [Test]
    public void Constructor_Defaults_EightLanesAndUnbounded()
    {
        var options = new SpillwayChannelOptions();

        Assert.That(options.Lanes, Is.EqualTo(SpillwayChannelOptions.DefaultLanes));
        Assert.That(SpillwayChannelOptions.DefaultLanes, Is.EqualTo(8));
        Assert.That(options.Capacity, Is.Null);
    }

    [TestCase(0)]
    [TestCase(-1)]
    [TestCase(int.MinValue)]
    public void Create_LanesBelowOne_ThrowsArgumentOutOfRangeNamingLanes(int lanes)
    {
        var options = new SpillwayChannelOptions { Lanes = lanes };

        var thrown = Assert.Throws<ArgumentOutOfRangeException>(() => SpillwayChannel.Create<int>(options));

        Assert.That(thrown!.ParamName, Is.EqualTo(nameof(SpillwayChannelOptions.Lanes)));
        Assert.That(thrown.ActualValue, Is.EqualTo(lanes));
    }

    [TestCase(0)]
    [TestCase(-5)]
    public void Create_CapacityBelowOne_ThrowsArgumentOutOfRangeNamingCapacity(int capacity)
    {
        var options = new SpillwayChannelOptions { Capacity = capacity };

        var thrown = Assert.Throws<ArgumentOutOfRangeException>(() => SpillwayChannel.Create<int>(options));

        Assert.That(thrown!.ParamName, Is.EqualTo(nameof(SpillwayChannelOptions.Capacity)));
        Assert.That(thrown.ActualValue, Is.EqualTo(capacity));
    }

    [Test]
    public void Create_NullOptions_ThrowsArgumentNullNamingOptions()
    {
        var thrown = Assert.Throws<ArgumentNullException>(() => SpillwayChannel.Create<int>(null!));

        Assert.That(thrown!.ParamName, Is.EqualTo("options"));
    }

    [TestCase(1, null)]
    [TestCase(1, 1)]
    [TestCase(64, int.MaxValue)]
    public void Create_SmallestAndLargeValidOptions_MakesAWorkingChannel(int lanes, int? capacity)
    {
        var (sender, receiver) = SpillwayChannel.Create<int>(new SpillwayChannelOptions { Lanes = lanes, Capacity = capacity });

        sender.Send(1);

        Assert.That(receiver.TryRead(out var item), Is.True);
        Assert.That(item, Is.EqualTo(1));
        sender.Dispose();
        Assert.That(receiver.Completion.IsCompletedSuccessfully, Is.True);
    }
}
