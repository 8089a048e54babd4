using System.Reflection;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.DependencyInjection;
using TaskFlow.Api.Security;
using TaskFlow.Functions.Http;
using TaskFlow.Testing;

namespace TaskFlow.Functions.Tests;

/// <summary>The Function App's HTTP functions admit exactly whom the server's endpoints admit: the same caller gate,
/// the same policy per method and route.</summary>
public sealed class FunctionSecurityTests
{
    /// <summary>The server's alone: its OpenAPI document; Prometheus' scrape (the Function App pushes over OTLP, as its
    /// instances come and go); the dashboard's event stream (a Functions HTTP call is not held open for minutes).</summary>
    private static readonly HashSet<string> ServerOnly = ["GET /openapi.json", "ANY /metrics", "GET /api/stream"];

    [Fact]
    public async Task EveryHttpFunction_DeclaresThePolicyTheServerGivesTheSameMethodAndRoute()
    {
        IReadOnlyDictionary<string, string?> server = await ServerPoliciesAsync();
        var functions = typeof(CallerGateMiddleware).Assembly.GetTypes()
            .SelectMany(type => type.GetMethods())
            .Select(method => (Method: method, Trigger: method.GetParameters().Select(p => p.GetCustomAttribute<HttpTriggerAttribute>()).FirstOrDefault(a => a is not null)))
            .Where(f => f.Trigger is not null)
            .ToList();
        Assert.NotEmpty(functions);

        foreach ((MethodInfo method, HttpTriggerAttribute? trigger) in functions)
        {
            string key = $"{trigger!.Methods![0].ToUpperInvariant()} /{trigger.Route}";
            Assert.True(server.ContainsKey(key), $"The server has no endpoint {key} (function {method.Name}).");
            Policy? declared = CallerGateMiddleware.PolicyOf($"{method.DeclaringType!.FullName}.{method.Name}");
            Assert.True(server[key] == declared?.Name, $"{key}: the server admits '{server[key] ?? "anyone"}', the function '{declared?.Name ?? "anyone"}'.");
            Assert.Equal(AuthorizationLevel.Anonymous, trigger.AuthLevel); // TaskFlow's own gate, not function keys
        }

        Assert.Equal(server.Keys.Count(k => !ServerOnly.Contains(k)), functions.Count);
    }

    /// <summary>Method and route of every server endpoint, with the policy its metadata names (null: anyone).</summary>
    private static async Task<IReadOnlyDictionary<string, string?>> ServerPoliciesAsync()
    {
        await using PostgresDatabase database = new();
        await database.InitializeAsync();
        await using TaskFlowServer server = await TaskFlowServer.StartAsync(database.ConnectionString, "api");
        return server.Host.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .SelectMany(endpoint => (endpoint.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["ANY"]).Select(verb => (
                Key: $"{verb} /{endpoint.RoutePattern.RawText!.Trim('/')}",
                Policy: endpoint.Metadata.GetMetadata<AnonymousAttribute>() is not null ? null : endpoint.Metadata.GetMetadata<RequiresAttribute>()?.Policy.Name ?? "admin")))
            .ToDictionary(e => e.Key, e => e.Policy);
    }
}
