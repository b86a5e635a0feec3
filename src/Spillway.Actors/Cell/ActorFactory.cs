using Microsoft.Extensions.DependencyInjection;

namespace Spillway.Actors;

/// <summary>Creates a new actor instance, with the DI scope it was resolved from (disposed when the instance goes).</summary>
internal delegate Actor<TMsg> ActorFactory<TMsg>(ActorSystem system, out IServiceScope? scope);
