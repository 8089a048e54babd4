using Npgsql;
using TaskFlow.Api.Security;
using TaskFlow.Database;

namespace TaskFlow.Api.Endpoints;

/// <summary><c>/healthz</c>: the process answers. <c>/readyz</c>: PostgreSQL answers and the schema is current.</summary>
internal static class HealthEndpoints
{
    public static void MapHealthEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/healthz", Healthy).WithMetadata(new AnonymousAttribute()).WithTags("Health");
        app.MapGet("/readyz", ReadyAsync).WithMetadata(new AnonymousAttribute()).WithTags("Health");
    }

    internal static IResult Healthy() => Results.Ok(new { status = "healthy" });

    internal static async Task<IResult> ReadyAsync(Migrator migrator, CancellationToken cancellationToken)
    {
        try
        {
            IReadOnlyList<int> pending = await migrator.PendingVersionsAsync(cancellationToken);
            return pending.Count == 0
                ? Results.Ok(new { status = "ready" })
                : Results.Problem(
                    $"Migrations {string.Join(", ", pending.Select(v => v.ToString("0000")))} are not applied yet; they are applied at start-up.",
                    statusCode: StatusCodes.Status503ServiceUnavailable, title: "Not ready");
        }
        catch (NpgsqlException exception)
        {
            return Results.Problem($"PostgreSQL is unreachable: {exception.Message}", statusCode: StatusCodes.Status503ServiceUnavailable, title: "Not ready");
        }
    }
}
