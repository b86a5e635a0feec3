using HostedApp;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

// A generic host with the actor system registered through DI: options from configuration and code, logging from the
// host, actors built by the container, and a graceful drain when the host stops.
// The content root is the output folder, so appsettings.json is found wherever `dotnet run` starts from.
var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = args, ContentRootPath = AppContext.BaseDirectory });
builder.Services.AddSingleton<IGreetingFormatter, GreetingFormatter>();
builder.Services.AddSpillwayActors(builder.Configuration.GetSection("Spillway"));
builder.Services.AddSpillwayActors(options => options.Name = "hosted");
builder.Services.AddHostedService<GreetingWorker>();

await builder.Build().RunAsync();
