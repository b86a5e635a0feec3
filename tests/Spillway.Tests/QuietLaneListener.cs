namespace Spillway.Tests;

/// <summary>A lane listener with nothing to wake, for tests that read a lane set synchronously.</summary>
internal sealed class QuietLaneListener : ILaneListener
{
    public void OnLaneFilled()
    {
    }
}
