namespace HostedApp;

/// <summary>A service the actor gets through constructor injection.</summary>
public interface IGreetingFormatter
{
    /// <summary>Formats a greeting.</summary>
    string Format(string name, int count);
}
