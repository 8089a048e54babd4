using System.Security.Cryptography;
using System.Text;
using DurableTask.Core.Exceptions;
using Grpc.Core;
using Microsoft.AspNetCore.Http;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using TaskFlow.Api.Endpoints;
using TaskFlow.Instances;
using TaskFlow.Orchestrations;
using TaskFlow.Provider;

namespace TaskFlow.Functions.Http;

/// <summary>Starts a submitted task as a durable orchestration through the Durable client, as a Function App starts
/// one: an orchestration task under its own name, a single-activity task inside the <c>taskflow-activity</c> orchestration
/// (which applies its retry policy and time-out). The host's TaskFlow provider writes it to PostgreSQL.</summary>
/// <remarks>On Functions an <c>Idempotency-Key</c> names the instance (<c>idem-</c> and a hash of the key): a repeat
/// answers the task the first request started, without comparing the two requests' bodies as the server does.
/// Priority is the server's alone (Durable's dispatchers do not order by it).</remarks>
internal static class DurableTaskStarter
{
    public static async Task<IResult> StartAsync(
        HttpContext http, TaskSubmission submission, DurableTaskClient durable, TaskFlowClient tasks, TaskTypes types, TimeProvider time)
    {
        DateTimeOffset now = time.GetUtcNow();
        string id = submission.Id ?? (submission.IdempotencyKey is { } key ? IdempotentId(key) : InstanceIds.New(now));
        if (submission.IdempotencyKey is not null && await tasks.GetTaskAsync(id, http.RequestAborted) is { } earlier)
        {
            http.Response.Headers["Idempotent-Replayed"] = "true";
            return Results.Accepted($"/api/tasks/{id}", TaskJson.From(earlier));
        }

        TaskSubmission start = types.IsOrchestration(submission.Type) ? submission : ActivityTask.Wrap(submission);
        var options = new StartOrchestrationOptions(id, submission.RunAt ?? (submission.Delay is { } delay ? now + delay : null))
        {
            // Durable's client carries no caller: the provider records this tag as the task's actor (and drops it).
            Tags = new Dictionary<string, string>(submission.Tags) { [TaskFlowOrchestrationService.ActorTag] = Actors.Of(http) },
        };
        try
        {
            await durable.ScheduleNewOrchestrationInstanceAsync(start.Type, DurableHistory.Parse(start.InputJson), options, http.RequestAborted);
        }
        catch (OrchestrationAlreadyExistsException exists)
        {
            // What the Durable client 1.28 throws when the host refuses the id.
            return ApiProblems.Conflict("Instance id in use", $"Instance '{id}' exists and has not finished: {exists.Message}");
        }
        catch (RpcException exists) when (exists.StatusCode == StatusCode.AlreadyExists)
        {
            // What earlier Durable clients let through.
            return ApiProblems.Conflict("Instance id in use", $"Instance '{id}' exists and has not finished: {exists.Status.Detail}");
        }

        // The provider wrote it before the call returned; read back for the same answer the server gives.
        TaskRecord? task = await tasks.GetTaskAsync(id, http.RequestAborted);
        return Results.Accepted($"/api/tasks/{id}", task is null ? new { id, type = start.Type, status = TaskStatuses.Pending } : TaskJson.From(task));
    }

    private static string IdempotentId(string key) => $"idem-{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)))[..40]}";
}
