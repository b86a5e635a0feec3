using Microsoft.Extensions.Options;

namespace Spillway.Actors.Hosting;

/// <summary>Validates <see cref="ActorSystemOptions"/> when the host starts, naming every bad value.</summary>
internal sealed class ActorSystemOptionsValidator : IValidateOptions<ActorSystemOptions>
{
    public ValidateOptionsResult Validate(string? name, ActorSystemOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = options.GetValidationErrors();
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
