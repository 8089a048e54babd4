using System.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Trace;
using TaskFlow.Testing;

namespace TaskFlow.Server.Tests.Telemetry;

/// <summary>One trace per task: the submit, each episode and each activity attempt, under the caller's traceparent.</summary>
[Collection(nameof(MetricsCollection))] // alone: the activity source is process-wide
public sealed class TracingTests(PostgresDatabase database) : IClassFixture<PostgresDatabase>
{
    [Fact]
    public async Task AnOrchestration_SubmittedWithATraceparent_IsOneTraceOfItsSubmitEpisodesAndActivities()
    {
        var spans = new LockedCollection<Activity>();
        await using TaskFlowServer server = await TaskFlowServer.StartAsync(
            database.ConnectionString,
            services => services.ConfigureOpenTelemetryTracerProvider(tracing => tracing.AddInMemoryExporter(spans)),
            "all", null, "--TaskFlow:Tracing:Enabled=true");
        var caller = ActivityContext.Parse("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", null);

        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/tasks")
        {
            Content = new StringContent("""{"type":"sequence","input":{"steps":2}}""", System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
        using HttpResponseMessage response = await server.Client.SendAsync(request);
        string id = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetString()!;
        await server.Client.WaitForStatusAsync(id, "succeeded");
        await Eventually.WaitForAsync(
            () => Task.FromResult(Snapshot(spans).Count(s => s.OperationName.StartsWith("taskflow.activity", StringComparison.Ordinal))),
            count => count == 2, TimeSpan.FromSeconds(10), "both activity spans");

        Activity[] ours = Snapshot(spans).Where(s => s.Source.Name == "TaskFlow").ToArray();
        Activity submit = Assert.Single(ours, s => s.OperationName == "taskflow.submit sequence");
        Assert.Equal(caller.TraceId, submit.TraceId);
        Assert.Equal(caller.SpanId, submit.ParentSpanId);
        Assert.All(ours, span => Assert.Equal(caller.TraceId, span.TraceId));
        Assert.True(ours.Count(s => s.OperationName == "taskflow.episode sequence") >= 2);
        Assert.Equal(2, ours.Count(s => s.OperationName == "taskflow.activity echo"));
        Assert.All(ours.Where(s => s != submit), span => Assert.Equal(submit.SpanId, span.ParentSpanId));
        Assert.Contains(Snapshot(spans), s => s.Source.Name == "Npgsql" && s.TraceId == caller.TraceId);
    }

    [Fact]
    public async Task SubOrchestrations_AreInTheirParentsTrace()
    {
        await using TaskFlowServer server = await TaskFlowServer.StartAsync(database.ConnectionString, "all", null, "--TaskFlow:Tracing:Enabled=true");
        string id = (await server.Client.SubmitAsync("""{"type":"batch-of-batches","input":{"items":25,"chunk":10}}""")).GetProperty("id").GetString()!;
        await server.Client.WaitForStatusAsync(id, "succeeded");

        string traces = await database.ScalarAsync<string>(
            "SELECT coalesce(p.trace_parent, 'none') || ' ' || coalesce(string_agg(coalesce(c.trace_parent, 'none'), ' '), '') FROM taskflow.instances p LEFT JOIN taskflow.instances c ON p.id = c.parent_instance_id WHERE p.id = @id GROUP BY p.trace_parent",
            ("id", id));
        string[] parts = traces.Split(' ');
        Assert.Matches("^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$", parts[0]);
        Assert.Equal([parts[0], parts[0], parts[0]], parts[1..]);
    }

    [Fact]
    public async Task AnHttpTask_PassesTheTaskTraceOnToTheServiceItCalls()
    {
        var received = new System.Collections.Concurrent.ConcurrentQueue<string>();
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        await using WebApplication target = builder.Build();
        target.MapPost("/hook", (HttpRequest request) =>
        {
            received.Enqueue(request.Headers["traceparent"].ToString());
            return Results.Ok();
        });
        await target.StartAsync();
        string hook = $"{target.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First()}/hook";
        await using TaskFlowServer server = await TaskFlowServer.StartAsync(
            database.ConnectionString, "all", null, "--TaskFlow:Tracing:Enabled=true", "--TaskFlow:Http:AllowedHosts:0=127.0.0.1");

        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/tasks")
        {
            Content = new StringContent(
                System.Text.Json.JsonSerializer.Serialize(new { type = "http", input = new { url = hook, body = new { } } }), System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
        using HttpResponseMessage response = await server.Client.SendAsync(request);
        string id = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetString()!;
        await server.Client.WaitForStatusAsync(id, "succeeded");

        string traceParent = Assert.Single(received);
        Assert.Equal("0af7651916cd43dd8448eb211c80319c", ActivityContext.Parse(traceParent, null).TraceId.ToHexString());
    }

    private static Activity[] Snapshot(LockedCollection<Activity> spans) => spans.Snapshot();

    /// <summary>The exporter adds from the threads that end spans while the test reads: every access under one lock.</summary>
    private sealed class LockedCollection<T> : ICollection<T>
    {
        private readonly List<T> items = [];

        public int Count
        {
            get
            {
                lock (this.items)
                {
                    return this.items.Count;
                }
            }
        }

        public bool IsReadOnly => false;

        public T[] Snapshot()
        {
            lock (this.items)
            {
                return [.. this.items];
            }
        }

        public void Add(T item)
        {
            lock (this.items)
            {
                this.items.Add(item);
            }
        }

        public void Clear()
        {
            lock (this.items)
            {
                this.items.Clear();
            }
        }

        public bool Contains(T item) => this.Snapshot().Contains(item);

        public void CopyTo(T[] array, int arrayIndex) => this.Snapshot().CopyTo(array, arrayIndex);

        public bool Remove(T item)
        {
            lock (this.items)
            {
                return this.items.Remove(item);
            }
        }

        public IEnumerator<T> GetEnumerator() => ((IEnumerable<T>)this.Snapshot()).GetEnumerator();

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => this.GetEnumerator();
    }
}
