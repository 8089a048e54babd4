using TaskFlow.Api.Security;
using TaskFlow.Workers;

namespace TaskFlow.Api.Endpoints;

/// <summary><c>GET /api/workers</c>: worker processes seen in the last day, with their heartbeats.</summary>
internal static class WorkerEndpoints
{
    public static void MapWorkerEndpoints(this IEndpointRouteBuilder app) =>
        app.MapGet("/api/workers", ListAsync).Requires(Policies.Read).WithTags("Workers").Produces<WorkerRecord[]>();

    internal static async Task<IResult> ListAsync(WorkerDirectory workers, Microsoft.Extensions.Options.IOptions<WorkerOptions> options, CancellationToken cancellationToken)
    {
        // A worker is lost when three heartbeats in a row are missing.
        TimeSpan staleAfter = options.Value.HeartbeatInterval * 3;
        return Results.Ok(await workers.ListAsync(staleAfter, cancellationToken));
    }
}
