using Microsoft.Extensions.Options;
using Spillway.Actors;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Validates <see cref="ActorSystemOptions"/> when the host starts, naming every bad value.</summary>
internal sealed class ActorSystemOptionsValidator : IValidateOptions<ActorSystemOptions>
{
    public ValidateOptionsResult Validate(string? name, ActorSystemOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = options.CollectErrors();
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
