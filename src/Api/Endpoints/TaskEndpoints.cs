using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;
using TaskFlow.Api.Admission;
using TaskFlow.Api.Security;
using TaskFlow.Instances;
using TaskFlow.Orchestrations;
using TaskFlow.Telemetry;

namespace TaskFlow.Api.Endpoints;

/// <summary><c>/api/tasks</c>: submit, read, list, cancel and re-run tasks, and read their history.</summary>
internal static class TaskEndpoints
{
    public static void MapTaskEndpoints(this IEndpointRouteBuilder app)
    {
        RouteGroupBuilder tasks = app.MapGroup("/api/tasks").WithTags("Tasks");
        tasks.MapPost("/", SubmitAsync).Requires(Policies.Submit).DocumentsJsonBody<TaskRequestJson>()
            .Produces<TaskJson>(StatusCodes.Status202Accepted).ProducesValidationProblem();
        tasks.MapPost("/batch", SubmitBatchAsync).Requires(Policies.Submit).DocumentsJsonBody<TaskBatchRequestJson>()
            .Produces<TaskJson[]>(StatusCodes.Status202Accepted).ProducesValidationProblem();
        tasks.MapGet("/", ListAsync).Requires(Policies.ReadTasks).Produces<TaskPageJson>().ProducesValidationProblem();
        tasks.MapGet("/counts", CountAsync).Requires(Policies.Read).Produces<Dictionary<string, long>>();
        tasks.MapGet("/{id}", GetAsync).Requires(Policies.ReadTasks).Produces<TaskJson>().ProducesProblem(StatusCodes.Status404NotFound);
        tasks.MapGet("/{id}/history", HistoryAsync).Requires(Policies.ReadTasks).Produces<HistoryEventJson[]>().ProducesProblem(StatusCodes.Status404NotFound);
        tasks.MapPost("/{id}/cancel", CancelAsync).Requires(Policies.Operate).Produces<TaskJson>().ProducesProblem(StatusCodes.Status409Conflict);
        tasks.MapPost("/{id}/retry", RetryAsync).Requires(Policies.Operate).Produces<TaskJson>(StatusCodes.Status202Accepted).ProducesProblem(StatusCodes.Status409Conflict);
        tasks.MapPost("/{id}/suspend", (string id, HttpContext http, TaskFlowClient client) => SuspendOrResumeAsync(id, suspend: true, http, client)).Requires(Policies.Operate)
            .Produces<TaskJson>().ProducesProblem(StatusCodes.Status409Conflict);
        tasks.MapPost("/{id}/resume", (string id, HttpContext http, TaskFlowClient client) => SuspendOrResumeAsync(id, suspend: false, http, client)).Requires(Policies.Operate)
            .Produces<TaskJson>().ProducesProblem(StatusCodes.Status409Conflict);
        tasks.MapPost("/{id}/events/{name}", RaiseEventAsync).Requires(Policies.Operate).Produces(StatusCodes.Status202Accepted).ProducesProblem(StatusCodes.Status409Conflict);
        tasks.MapDelete("/{id}", PurgeAsync).Requires(Policies.Operate).Produces(StatusCodes.Status204NoContent).ProducesProblem(StatusCodes.Status409Conflict);
    }

    internal static async Task<IResult> SubmitAsync(
        HttpContext http, TaskFlowClient client, TaskTypes taskTypes, IOptions<ApiOptions> options, SubmissionAdmission admission)
    {
        (TaskSubmission? submission, IResult? problem) = await ParseSubmissionAsync(http, taskTypes, options.Value);
        if (submission is null)
        {
            return problem!;
        }

        using AdmissionDecision admitted = await admission.AdmitAsync(tasks: 1, http.RequestAborted);
        if (admitted.Refusal is { } refusal)
        {
            return refusal;
        }

        string? callerTrace = CallerTraceParent(http);
        using System.Diagnostics.Activity? span = TaskFlowTracing.StartSubmit(submission.Type, callerTrace);
        submission = submission with { TraceParent = TaskFlowTracing.TraceParentOf(span) ?? callerTrace };
        try
        {
            (TaskRecord task, bool created) = await client.ScheduleNewTaskAsync(submission, Actors.Of(http), http.RequestAborted);
            if (!created)
            {
                http.Response.Headers["Idempotent-Replayed"] = "true";
            }

            return Results.Accepted($"/api/tasks/{task.Id}", TaskJson.From(task));
        }
        catch (IdempotencyConflictException conflict)
        {
            return ApiProblems.Unprocessable("Idempotency key reused with a different request", conflict.Message);
        }
        catch (InstanceAlreadyRunningException running)
        {
            return ApiProblems.Conflict("Instance id in use", running.Message);
        }
        catch (Npgsql.PostgresException taken) when (IsTakenId(taken))
        {
            return ApiProblems.Conflict("Instance id in use", $"Instance '{submission.Id}' was started by another caller at the same moment; it has not finished.");
        }
    }

    /// <summary>The caller's W3C <c>traceparent</c>, when it sent a valid one: the task's trace continues it.</summary>
    internal static string? CallerTraceParent(HttpContext http) =>
        http.Request.Headers["traceparent"].FirstOrDefault() is { } header && System.Diagnostics.ActivityContext.TryParse(header, null, out _) ? header : null;

    /// <summary>Reads and checks the body of <c>POST /api/tasks</c> (and its <c>Idempotency-Key</c> header): the
    /// submission, or the problem+json to answer with when the request is not valid.</summary>
    internal static async Task<(TaskSubmission? Submission, IResult? Problem)> ParseSubmissionAsync(HttpContext http, TaskTypes taskTypes, ApiOptions options)
    {
        (JsonDocument? body, IResult? problem) = await JsonBodyReader.ReadAsync(http.Request, options.MaxBodyBytes);
        if (problem is not null)
        {
            return (null, problem);
        }

        using (body)
        {
            var errors = new Dictionary<string, string[]>();
            TaskSubmission? submission = new TaskRequestParser(taskTypes, options)
                .Parse(body!.RootElement, prefix: string.Empty, HeaderIdempotencyKey(http), errors);
            return submission is null ? (null, ApiProblems.Invalid(errors)) : (submission, null);
        }
    }

    internal static async Task<IResult> SubmitBatchAsync(
        HttpContext http, TaskFlowClient client, TaskTypes taskTypes, IOptions<ApiOptions> options, SubmissionAdmission admission)
    {
        (JsonDocument? body, IResult? problem) = await JsonBodyReader.ReadAsync(http.Request, options.Value.MaxBatchBodyBytes);
        if (problem is not null)
        {
            return problem;
        }

        using (body)
        {
            JsonElement root = body!.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("tasks", out JsonElement items) || items.ValueKind != JsonValueKind.Array)
            {
                return ApiProblems.Invalid("tasks", "The body must be {\"tasks\": [ ... ]}, each item shaped like the body of POST /api/tasks.");
            }

            int count = items.GetArrayLength();
            if (count is 0 || count > options.Value.MaxBatchSize)
            {
                return ApiProblems.Invalid("tasks", $"A batch holds 1 to {options.Value.MaxBatchSize} tasks (got {count}); split larger ones.");
            }

            var errors = new Dictionary<string, string[]>();
            var parser = new TaskRequestParser(taskTypes, options.Value);
            var submissions = items.EnumerateArray()
                .Select((item, index) => parser.Parse(item, $"tasks[{index}].", headerIdempotencyKey: null, errors))
                .ToList();
            foreach (IGrouping<string, int> repeated in submissions.Select((submission, index) => (submission?.Id, index))
                .Where(s => s.Id is not null).GroupBy(s => s.Id!, s => s.index).Where(g => g.Count() > 1))
            {
                errors[$"tasks[{repeated.ElementAt(1)}].id"] = [$"'{repeated.Key}' is also the id of tasks[{repeated.First()}]; ids in a batch must differ."];
            }

            if (errors.Count > 0)
            {
                return ApiProblems.Invalid(errors, "The batch is not valid; no task was accepted");
            }

            using AdmissionDecision admitted = await admission.AdmitAsync(count, http.RequestAborted);
            if (admitted.Refusal is { } refusal)
            {
                return refusal;
            }

            try
            {
                IReadOnlyList<(TaskRecord Task, bool Created)> accepted =
                    await client.ScheduleNewTasksAsync(submissions!, Actors.Of(http), http.RequestAborted);
                return Results.Json(accepted.Select(a => TaskJson.From(a.Task)).ToList(), statusCode: StatusCodes.Status202Accepted);
            }
            catch (IdempotencyConflictException conflict)
            {
                return ApiProblems.Unprocessable("Idempotency key reused with a different request; no task was accepted", conflict.Message);
            }
            catch (InstanceAlreadyRunningException running)
            {
                return ApiProblems.Conflict("Instance id in use; no task was accepted", running.Message);
            }
            catch (Npgsql.PostgresException taken) when (IsTakenId(taken))
            {
                return ApiProblems.Conflict("Instance id in use; no task was accepted", "Another caller started one of these instance ids at the same moment.");
            }
        }
    }

    internal static async Task<IResult> GetAsync(string id, HttpContext http, TaskFlowClient client, CancellationToken cancellationToken)
    {
        if (!InstanceIds.IsValid(id))
        {
            return InvalidId(id);
        }

        string taskId = id;

        if (await client.GetTaskAsync(taskId, cancellationToken) is not { } task || !MaySee(http, task))
        {
            return UnknownTask(taskId);
        }

        (long Scheduled, long Completed, long Failed)? counts =
            task.Kind == "orchestration" ? await client.CountActivitiesAsync(taskId, cancellationToken) : null;
        if (task.Type == ActivityTask.OrchestratorName)
        {
            // A single-activity task run by an orchestration: each attempt of its activity was scheduled once.
            return Results.Ok(TaskJson.FromCounted(task, counts?.Scheduled ?? 0));
        }

        TaskJson json = TaskJson.From(task);
        if (counts is { } activities)
        {
            json = json with { Activities = new ActivityCountsJson(activities.Scheduled, activities.Completed, activities.Failed) };
        }

        return Results.Ok(json);
    }

    internal static async Task<IResult> ListAsync(HttpRequest request, TaskFlowClient client, CancellationToken cancellationToken)
    {
        (TaskQuery? query, IDictionary<string, string[]> errors) = TaskQueryParser.Parse(request.Query);
        if (query is null)
        {
            return ApiProblems.Invalid(errors);
        }

        if (Callers.SeesOnlyItsOwnTasks(request.HttpContext.User))
        {
            query = query with { CreatedBy = Callers.Id(request.HttpContext.User) };
        }

        return Results.Ok(TaskPageJson.From(await client.ListTasksAsync(query, cancellationToken), query.Limit));
    }

    internal static async Task<IResult> CountAsync(TaskFlowClient client, CancellationToken cancellationToken) =>
        Results.Ok(await client.CountTasksAsync(cancellationToken));

    /// <remarks>A page of at most <c>limit</c> events after sequence <c>after</c>; a full page carries a
    /// <c>Link: &lt;…?after=N&amp;limit=M&gt;; rel="next"</c> header for the next one, so no history is cut short.</remarks>
    internal static async Task<IResult> HistoryAsync(string id, HttpContext http, TaskFlowClient client, CancellationToken cancellationToken)
    {
        if (!InstanceIds.IsValid(id))
        {
            return InvalidId(id);
        }

        string taskId = id;

        (int after, int limit, IDictionary<string, string[]> errors) = HistoryPageParser.Parse(http.Request.Query);
        if (errors.Count > 0)
        {
            return ApiProblems.Invalid(errors);
        }

        if (Callers.SeesOnlyItsOwnTasks(http.User) && (await client.GetTaskAsync(taskId, cancellationToken) is not { } own || !MaySee(http, own)))
        {
            return UnknownTask(taskId);
        }

        IReadOnlyList<HistoryEventRecord> events = await client.GetHistoryAsync(taskId, after, limit, cancellationToken);
        if (events.Count == 0 && (after == 0 || await client.GetTaskAsync(taskId, cancellationToken) is null))
        {
            return UnknownTask(taskId);
        }

        if (events.Count == limit)
        {
            http.Response.Headers.Link = $"</api/tasks/{taskId}/history?after={events[^1].Sequence}&limit={limit}>; rel=\"next\"";
        }

        return Results.Ok(events.Select(HistoryEventJson.From).ToList());
    }

    internal static async Task<IResult> CancelAsync(string id, HttpContext http, TaskFlowClient client)
    {
        if (!InstanceIds.IsValid(id))
        {
            return InvalidId(id);
        }

        string taskId = id;

        if (await client.TerminateTaskAsync(taskId, Actors.Of(http), reason: "Cancelled through the API", http.RequestAborted))
        {
            return Results.Ok(TaskJson.From((await client.GetTaskAsync(taskId, http.RequestAborted))!));
        }

        return await client.GetTaskAsync(taskId, http.RequestAborted) is { } finished
            ? ApiProblems.Conflict("Task already finished", $"Task {taskId} is {finished.Status}; only scheduled, pending or running tasks can be cancelled.")
            : UnknownTask(taskId);
    }

    internal static async Task<IResult> RetryAsync(string id, HttpContext http, TaskFlowClient client)
    {
        if (!InstanceIds.IsValid(id))
        {
            return InvalidId(id);
        }

        string taskId = id;

        if (await client.RestartTaskAsync(taskId, Actors.Of(http), http.RequestAborted))
        {
            return Results.Accepted($"/api/tasks/{taskId}", TaskJson.From((await client.GetTaskAsync(taskId, http.RequestAborted))!));
        }

        return await client.GetTaskAsync(taskId, http.RequestAborted) is { } task
            ? ApiProblems.Conflict("Task cannot be retried", $"Task {taskId} is {task.Status}; only failed or cancelled tasks can be retried.")
            : UnknownTask(taskId);
    }

    internal static async Task<IResult> RaiseEventAsync(string id, string name, HttpContext http, TaskFlowClient client, IOptions<ApiOptions> options)
    {
        if (!InstanceIds.IsValid(id))
        {
            return InvalidId(id);
        }

        string taskId = id;

        string? payload = null;
        if (http.Request.ContentLength is not 0)
        {
            (JsonDocument? body, IResult? problem) = await JsonBodyReader.ReadAsync(http.Request, options.Value.MaxBodyBytes);
            if (problem is not null)
            {
                return problem;
            }

            using (body)
            {
                payload = body!.RootElement.GetRawText();
            }
        }

        if (await client.RaiseEventAsync(taskId, name, payload, Actors.Of(http), http.RequestAborted))
        {
            return Results.Accepted($"/api/tasks/{taskId}");
        }

        return await client.GetTaskAsync(taskId, http.RequestAborted) is { } task
            ? ApiProblems.Conflict("Task does not take events", task.Kind == "orchestration"
                ? $"Task {taskId} is {task.Status}; events go to scheduled, pending or running orchestrations."
                : $"Task {taskId} runs the activity '{task.Type}'; only orchestrations wait for events.")
            : UnknownTask(taskId);
    }

    internal static async Task<IResult> SuspendOrResumeAsync(string id, bool suspend, HttpContext http, TaskFlowClient client)
    {
        if (!InstanceIds.IsValid(id))
        {
            return InvalidId(id);
        }

        string taskId = id;

        bool changed = suspend
            ? await client.SuspendTaskAsync(taskId, Actors.Of(http), "Suspended through the API", http.RequestAborted)
            : await client.ResumeTaskAsync(taskId, Actors.Of(http), "Resumed through the API", http.RequestAborted);
        TaskRecord? task = await client.GetTaskAsync(taskId, http.RequestAborted);
        if (changed)
        {
            return Results.Ok(TaskJson.From(task!));
        }

        return task is null
            ? UnknownTask(taskId)
            : ApiProblems.Conflict(
                suspend ? "Task cannot be suspended" : "Task is not suspended",
                suspend
                    ? $"Task {taskId} is a{(task.Kind == "orchestration" ? $" {task.Status} orchestration" : "n activity task")}; only pending or running orchestrations can be suspended."
                    : $"Task {taskId} is {task.Status}; only suspended orchestrations can be resumed.");
    }

    internal static async Task<IResult> PurgeAsync(string id, TaskFlowClient client, CancellationToken cancellationToken)
    {
        if (!InstanceIds.IsValid(id))
        {
            return InvalidId(id);
        }

        string taskId = id;

        if (await client.PurgeTaskAsync(taskId, cancellationToken))
        {
            return Results.NoContent();
        }

        return await client.GetTaskAsync(taskId, cancellationToken) is { } task
            ? ApiProblems.Conflict("Task not finished", $"Task {taskId} is {task.Status}; cancel it first, or wait until it ends. Only finished tasks are purged.")
            : UnknownTask(taskId);
    }

    private static string? HeaderIdempotencyKey(HttpContext http) =>
        http.Request.Headers.TryGetValue("Idempotency-Key", out var values) ? values.ToString() : null;

    /// <summary>Two callers started the same new id at once: the second insert meets the first's row.</summary>
    private static bool IsTakenId(Npgsql.PostgresException exception) =>
        exception.SqlState == Npgsql.PostgresErrorCodes.UniqueViolation && exception.TableName == "instances" && exception.ConstraintName == "instances_pkey";

    private static IResult InvalidId(string id) =>
        ApiProblems.Invalid("id", $"'{id}' is not a task id: task ids are {InstanceIds.Rule}.");

    /// <summary>Whether the caller may see the task: anyone who reads tasks, a submitter only those it submitted (others
    /// answer as unknown, so a submitter cannot learn which ids exist).</summary>
    private static bool MaySee(HttpContext http, TaskRecord task) =>
        !Callers.SeesOnlyItsOwnTasks(http.User) || task.CreatedBy == Callers.Id(http.User);

    private static IResult UnknownTask(string id) => ApiProblems.NotFound($"There is no task {id}. List tasks with GET /api/tasks.");
}
