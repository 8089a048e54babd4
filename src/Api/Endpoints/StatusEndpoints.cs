using TaskFlow.Api.Security;
using TaskFlow.Instances;

namespace TaskFlow.Api.Endpoints;

/// <summary><c>GET /api/statuses</c>: the statuses a task can show, in lifecycle order, and which of them are final;
/// the dashboard builds its filters and buttons from it rather than keeping a list of its own.</summary>
internal static class StatusEndpoints
{
    public static void MapStatusEndpoints(this IEndpointRouteBuilder app) =>
        app.MapGet("/api/statuses", List).Requires(Policies.Read).WithTags("Tasks").Produces<TaskStatusJson[]>();

    internal static IResult List() =>
        Results.Ok(TaskStatuses.All.Select(status => new TaskStatusJson(status, TaskStatuses.IsFinished(status))));
}

/// <summary>A status, and whether a task in it has ended.</summary>
internal sealed record TaskStatusJson(string Name, bool Finished);
