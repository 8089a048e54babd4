using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.Hosting;
using TaskFlow.Functions;
using TaskFlow.Functions.Http;

// The .NET isolated worker with ASP.NET Core integration: HTTP functions get the request and answer with the
// server's own handlers (src/Api). The Functions host runs the Durable extension, with TaskFlow's provider (host.json).
FunctionsApplicationBuilder builder = FunctionsApplication.CreateBuilder(args);
builder.ConfigureFunctionsWebApplication();
builder.UseMiddleware<CallerGateMiddleware>(); // the server's authentication, roles and rate limits
builder.Services.AddTaskFlowFunctionApp(builder.Configuration);
builder.Build().Run();
