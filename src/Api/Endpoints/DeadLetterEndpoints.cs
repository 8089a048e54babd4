using TaskFlow.Api.Security;
using TaskFlow.Instances;

namespace TaskFlow.Api.Endpoints;

/// <summary><c>GET /api/dead-letter</c>: tasks that failed after their last attempt, newest first.
/// Re-run one with <c>POST /api/tasks/{id}/retry</c>.</summary>
internal static class DeadLetterEndpoints
{
    public static void MapDeadLetterEndpoints(this IEndpointRouteBuilder app) =>
        app.MapGet("/api/dead-letter", ListAsync).Requires(Policies.Read).WithTags("Dead letter").Produces<TaskPageJson>();

    internal static async Task<IResult> ListAsync(HttpRequest request, TaskFlowClient client, CancellationToken cancellationToken)
    {
        (TaskQuery? query, IDictionary<string, string[]> errors) = TaskQueryParser.Parse(request.Query);
        if (query is null)
        {
            return ApiProblems.Invalid(errors);
        }

        return Results.Ok(TaskPageJson.From(
            await client.ListTasksAsync(query with { Status = TaskStatuses.Failed }, cancellationToken), query.Limit));
    }
}
