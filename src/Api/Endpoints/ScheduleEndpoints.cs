using System.Text.Json;
using Microsoft.Extensions.Options;
using TaskFlow.Api.Security;
using TaskFlow.Schedules;

namespace TaskFlow.Api.Endpoints;

/// <summary><c>/api/schedules</c>: cron schedules managed at run time; every change is in the schedule's history.</summary>
internal static class ScheduleEndpoints
{
    public static void MapScheduleEndpoints(this IEndpointRouteBuilder app)
    {
        RouteGroupBuilder schedules = app.MapGroup("/api/schedules").WithTags("Schedules");
        schedules.MapPost("/", CreateAsync).Requires(Policies.Operate).DocumentsJsonBody<ScheduleJson>().Produces<ScheduleJson>(StatusCodes.Status201Created).ProducesValidationProblem();
        schedules.MapGet("/", ListAsync).Requires(Policies.Read).Produces<ScheduleJson[]>();
        schedules.MapGet("/{name}", GetAsync).Requires(Policies.Read).Produces<ScheduleJson>().ProducesProblem(StatusCodes.Status404NotFound);
        schedules.MapGet("/{name}/history", HistoryAsync).Requires(Policies.Read).Produces<ScheduleEventJson[]>().ProducesProblem(StatusCodes.Status404NotFound);
        schedules.MapPut("/{name}", PutAsync).Requires(Policies.Operate).DocumentsJsonBody<ScheduleJson>().Produces<ScheduleJson>().ProducesValidationProblem();
        schedules.MapDelete("/{name}", DeleteAsync).Requires(Policies.Operate);
        schedules.MapPost("/{name}/pause", (string name, HttpContext http, ScheduleClient client) => SetPausedAsync(name, true, http, client)).Requires(Policies.Operate);
        schedules.MapPost("/{name}/resume", (string name, HttpContext http, ScheduleClient client) => SetPausedAsync(name, false, http, client)).Requires(Policies.Operate);
        schedules.MapPost("/{name}/trigger", TriggerAsync).Requires(Policies.Operate);
    }

    internal static async Task<IResult> ListAsync(ScheduleClient client, CancellationToken cancellationToken) =>
        Results.Ok((await client.ListSchedulesAsync(cancellationToken)).Select(ScheduleJson.From));

    internal static async Task<IResult> DeleteAsync(string name, HttpContext http, ScheduleClient client) =>
        await client.DeleteScheduleAsync(name, Actors.Of(http), http.RequestAborted) ? Results.NoContent() : UnknownSchedule(name);

    internal static async Task<IResult> TriggerAsync(string name, HttpContext http, ScheduleClient client) =>
        await client.TriggerScheduleAsync(name, Actors.Of(http), http.RequestAborted) is { } taskId
            ? Results.Accepted($"/api/tasks/{taskId}", new { taskId })
            : UnknownSchedule(name);

    internal static async Task<IResult> CreateAsync(HttpContext http, ScheduleClient client, TaskTypes taskTypes, IOptions<ApiOptions> options, TimeProvider time)
    {
        (ScheduleDefinition? definition, IResult? problem) = await ReadAsync(http, routeName: null, taskTypes, options.Value, time);
        if (definition is null)
        {
            return problem!;
        }

        if (!await client.CreateScheduleAsync(definition, Actors.Of(http), cancellationToken: http.RequestAborted))
        {
            return ApiProblems.Conflict("Schedule exists", $"A schedule named '{definition.Name}' exists. Change it with PUT /api/schedules/{definition.Name}, or pick another name.");
        }

        return Results.Created($"/api/schedules/{definition.Name}", ScheduleJson.From((await client.GetScheduleAsync(definition.Name, http.RequestAborted))!));
    }

    internal static async Task<IResult> PutAsync(string name, HttpContext http, ScheduleClient client, TaskTypes taskTypes, IOptions<ApiOptions> options, TimeProvider time)
    {
        (ScheduleDefinition? definition, IResult? problem) = await ReadAsync(http, name, taskTypes, options.Value, time);
        if (definition is null)
        {
            return problem!;
        }

        bool created = await client.PutScheduleAsync(definition, Actors.Of(http), cancellationToken: http.RequestAborted);
        ScheduleJson body = ScheduleJson.From((await client.GetScheduleAsync(name, http.RequestAborted))!);
        return created ? Results.Created($"/api/schedules/{name}", body) : Results.Ok(body);
    }

    internal static async Task<IResult> GetAsync(string name, ScheduleClient client, CancellationToken cancellationToken)
    {
        if (await client.GetScheduleAsync(name, cancellationToken) is not { } schedule)
        {
            return UnknownSchedule(name);
        }

        IReadOnlyList<ScheduleEventRecord> events = await client.GetScheduleHistoryAsync(name, 200, cancellationToken);
        return Results.Ok(ScheduleJson.From(schedule) with
        {
            NextFireTimes = schedule.Definition.Paused ? [] : client.NextSlots(schedule.Definition, 5),
            RecentRuns = events.Select(ScheduleRunJson.From).OfType<ScheduleRunJson>().Take(20).ToList(),
        });
    }

    internal static async Task<IResult> HistoryAsync(string name, ScheduleClient client, CancellationToken cancellationToken)
    {
        IReadOnlyList<ScheduleEventRecord> events = await client.GetScheduleHistoryAsync(name, 500, cancellationToken);
        return events.Count == 0 ? UnknownSchedule(name) : Results.Ok(events.Select(ScheduleEventJson.From));
    }

    internal static async Task<IResult> SetPausedAsync(string name, bool paused, HttpContext http, ScheduleClient client)
    {
        if (await client.SetPausedAsync(name, paused, Actors.Of(http), http.RequestAborted))
        {
            return Results.Ok(ScheduleJson.From((await client.GetScheduleAsync(name, http.RequestAborted))!));
        }

        return await client.GetScheduleAsync(name, http.RequestAborted) is null
            ? UnknownSchedule(name)
            : ApiProblems.Conflict($"Schedule already {(paused ? "paused" : "running")}", $"Schedule '{name}' is already {(paused ? "paused" : "running")}; nothing changed.");
    }

    private static async Task<(ScheduleDefinition? Definition, IResult? Problem)> ReadAsync(
        HttpContext http, string? routeName, TaskTypes taskTypes, ApiOptions options, TimeProvider time)
    {
        (JsonDocument? body, IResult? problem) = await JsonBodyReader.ReadAsync(http.Request, options.MaxBodyBytes);
        if (problem is not null)
        {
            return (null, problem);
        }

        using (body)
        {
            var errors = new Dictionary<string, string[]>();
            ScheduleDefinition? definition = new ScheduleRequestParser(new TaskRequestParser(taskTypes, options), time).Parse(body!.RootElement, routeName, errors);
            return definition is null ? (null, ApiProblems.Invalid(errors, "The schedule is not valid")) : (definition, null);
        }
    }

    private static IResult UnknownSchedule(string name) => ApiProblems.NotFound($"There is no schedule '{name}'. List schedules with GET /api/schedules.");
}
