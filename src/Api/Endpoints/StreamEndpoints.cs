using System.Text.Json;
using Microsoft.Extensions.Options;
using TaskFlow.Api.Security;
using TaskFlow.Instances;
using TaskFlow.Json;
using TaskFlow.Telemetry;
using TaskFlow.Workers;

namespace TaskFlow.Api.Endpoints;

/// <summary><c>GET /api/stream</c>: server-sent events for the dashboard. Every second, an <c>overview</c> event: counts
/// per status, the queue (ready, scheduled, running, oldest ready age), workers, and the newest tasks.</summary>
internal static class StreamEndpoints
{
    private static readonly TimeSpan Every = TimeSpan.FromSeconds(1);

    public static void MapStreamEndpoints(this IEndpointRouteBuilder app) =>
        app.MapGet("/api/stream", StreamAsync).Requires(Policies.Read).WithTags("Dashboard");

    internal static async Task StreamAsync(
        HttpContext http, TaskFlowClient tasks, QueueSnapshotService queue, WorkerDirectory workers, IOptions<WorkerOptions> workerOptions, TimeProvider time)
    {
        http.Response.ContentType = "text/event-stream";
        http.Response.Headers.CacheControl = "no-store";
        CancellationToken stop = http.RequestAborted;
        try
        {
            while (!stop.IsCancellationRequested)
            {
                var overview = new
                {
                    at = time.GetUtcNow(),
                    counts = await tasks.CountTasksAsync(stop),
                    queue = await queue.RefreshAsync(stop),
                    workers = await workers.ListAsync(workerOptions.Value.HeartbeatInterval * 3, stop),
                    recent = (await tasks.ListTasksAsync(new TaskQuery(Limit: 20), stop)).Select(TaskJson.From),
                };
                await http.Response.WriteAsync($"event: overview\ndata: {JsonSerializer.Serialize(overview, TaskFlowJson.Options)}\n\n", stop);
                await http.Response.Body.FlushAsync(stop);
                await Task.Delay(Every, time, stop);
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // The page went away.
        }
    }
}
