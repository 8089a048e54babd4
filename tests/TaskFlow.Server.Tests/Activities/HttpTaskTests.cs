using System.Net;
using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using TaskFlow.Testing;

namespace TaskFlow.Server.Tests.Activities;

/// <summary>The built-in <c>http</c> task type against a real local HTTP server.</summary>
public sealed class HttpTaskTests(PostgresDatabase database) : IClassFixture<PostgresDatabase>, IAsyncLifetime
{
    private readonly ConcurrentQueue<string?> receivedKeys = new();
    private int flakyCalls;
    private WebApplication target = null!;
    private string targetPort = null!;
    private TaskFlowServer server = null!;

    public async Task InitializeAsync()
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        this.target = builder.Build();
        this.target.MapPost("/ok", (HttpRequest request) =>
        {
            this.receivedKeys.Enqueue(request.Headers["Idempotency-Key"].FirstOrDefault());
            return Results.Ok(new { received = true });
        });
        this.target.MapGet("/flaky", () => Interlocked.Increment(ref this.flakyCalls) == 1 ? Results.StatusCode(503) : Results.Ok("recovered"));
        this.target.MapGet("/missing", () => Results.NotFound());
        await this.target.StartAsync();
        this.targetPort = new Uri(this.target.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First()).Port.ToString();

        // 127.0.0.1 is allow-listed; "localhost" (also loopback) is not.
        this.server = await TaskFlowServer.StartAsync(database.ConnectionString, "all", null, "--TaskFlow:Http:AllowedHosts:0=127.0.0.1");
    }

    public async Task DisposeAsync()
    {
        await this.server.DisposeAsync();
        await this.target.DisposeAsync();
    }

    [Fact]
    public async Task HttpTask_ToAnAllowListedHost_PostsTheBodyWithAnIdempotencyKeyAndSucceeds()
    {
        string id = await this.SubmitAsync($"http://127.0.0.1:{this.targetPort}/ok", "\"body\":{\"order\":7}");

        JsonElement done = await this.server.Client.WaitForStatusAsync(id, "succeeded", "failed");

        Assert.Equal("succeeded", done.GetProperty("status").GetString());
        Assert.Equal(200, done.GetProperty("output").GetProperty("status").GetInt32());
        Assert.Contains($"{id}:1", this.receivedKeys);
    }

    [Fact]
    public async Task HttpTask_On503_RetriesAndSucceeds()
    {
        string id = await this.SubmitAsync($"http://127.0.0.1:{this.targetPort}/flaky", "\"method\":\"GET\"");

        JsonElement done = await this.server.Client.WaitForStatusAsync(id, "succeeded", "failed");

        Assert.Equal("succeeded", done.GetProperty("status").GetString());
        Assert.Equal(2, done.GetProperty("attempt").GetInt32());
    }

    [Fact]
    public async Task HttpTask_On404_FailsWithoutRetry()
    {
        string id = await this.SubmitAsync($"http://127.0.0.1:{this.targetPort}/missing", "\"method\":\"GET\"");

        JsonElement failed = await this.server.Client.WaitForStatusAsync(id, "failed", "succeeded");

        Assert.Equal(1, failed.GetProperty("attempt").GetInt32());
        Assert.Contains("answered 404", failed.GetProperty("error").GetProperty("message").GetString());
    }

    [Fact]
    public async Task HttpTask_ToALoopbackHostNotAllowListed_IsRefusedAtSubmit()
    {
        (HttpStatusCode status, JsonElement problem, _) = await this.server.Client.PostJsonAsync(
            "/api/tasks", $$$"""{"type":"http","input":{"url":"http://localhost:{{{this.targetPort}}}/ok"}}""");

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("TaskFlow:Http:AllowedHosts", problem.GetProperty("errors").GetProperty("input")[0].GetString());
    }

    /// <summary>An orchestration's activity gets its URL at run time, past the submit check: the guard at connect time
    /// refuses it there (as it does names that resolve to such addresses).</summary>
    [Fact]
    public async Task HttpActivity_InAnOrchestration_ToALoopbackHostNotAllowListed_IsRefusedWhenItConnects()
    {
        string url = $"http://localhost:{this.targetPort}/ok";
        string id = (await this.server.Client.SubmitAsync(
            "{\"type\":\"fan-out\",\"input\":{\"count\":1,\"activity\":\"http\",\"input\":{\"url\":\"" + url + "\",\"body\":{}}}}"))
            .GetProperty("id").GetString()!;

        JsonElement failed = await this.server.Client.WaitForStatusAsync(id, "failed", "succeeded");

        Assert.Equal("failed", failed.GetProperty("status").GetString());
        Assert.Contains("TaskFlow:Http:AllowedHosts", failed.GetProperty("error").GetProperty("message").GetString());
        Assert.Empty(this.receivedKeys);
    }

    private async Task<string> SubmitAsync(string url, string extraInput) =>
        (await this.server.Client.SubmitAsync(
            $$$"""{"type":"http","input":{"url":"{{{url}}}",{{{extraInput}}}},"retry":{"maxAttempts":3,"initialInterval":"PT0.1S"}}"""))
        .GetProperty("id").GetString()!;
}
