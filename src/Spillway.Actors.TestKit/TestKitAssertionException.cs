namespace Spillway.Actors.TestKit;

/// <summary>
/// Thrown when an expectation of the test kit is not met. Every test framework reports it as a failed test with its
/// message; the kit itself depends on none.
/// </summary>
public sealed class TestKitAssertionException : Exception
{
    /// <summary>Creates the exception with no message.</summary>
    public TestKitAssertionException()
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">What was expected and what happened instead.</param>
    public TestKitAssertionException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception around the failure that caused it.</summary>
    /// <param name="message">What was expected and what happened instead.</param>
    /// <param name="innerException">The cause.</param>
    public TestKitAssertionException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
