using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Options;
using TaskFlow.Api.Admission;
using TaskFlow.Api.Endpoints;
using TaskFlow.Api.Security;
using TaskFlow.Instances;
using TaskFlow.Telemetry;

namespace TaskFlow.Functions.Http;

/// <summary><c>/api/tasks</c> as HTTP functions: the server's handlers (src/Api) behind Functions' routes; only a
/// single submit differs, starting the orchestration through the Durable client.</summary>
internal sealed class TaskFunctions(TaskFlowClient client, TaskTypes taskTypes, IOptions<ApiOptions> options, SubmissionAdmission admission, TimeProvider time)
{
    private const string Tasks = "api/tasks";

    [Function("SubmitTask")]
    [Requires("submit")]
    public async Task<IActionResult> SubmitAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = Tasks)] HttpRequest request, [DurableClient] DurableTaskClient durable)
    {
        (TaskSubmission? submission, IResult? problem) = await TaskEndpoints.ParseSubmissionAsync(request.HttpContext, taskTypes, options.Value);
        if (submission is null)
        {
            return new ResultAction(problem!);
        }

        using AdmissionDecision admitted = await admission.AdmitAsync(tasks: 1, request.HttpContext.RequestAborted);
        if (admitted.Refusal is { } refusal)
        {
            return new ResultAction(refusal);
        }

        // Durable's client sends the current span with the start; TaskFlow's provider keeps it as the task's trace.
        using System.Diagnostics.Activity? span = TaskFlowTracing.StartSubmit(submission.Type, TaskEndpoints.CallerTraceParent(request.HttpContext));
        return new ResultAction(await DurableTaskStarter.StartAsync(request.HttpContext, submission, durable, client, taskTypes, time));
    }

    /// <summary>All or nothing, in one transaction, as on the server (single-activity tasks inside their orchestration).</summary>
    [Function("SubmitTaskBatch")]
    [Requires("submit")]
    public async Task<IActionResult> SubmitBatchAsync([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = Tasks + "/batch")] HttpRequest request) =>
        new ResultAction(await TaskEndpoints.SubmitBatchAsync(request.HttpContext, client, taskTypes, options, admission));

    [Function("ListTasks")]
    [Requires("read-tasks")]
    public async Task<IActionResult> ListAsync([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = Tasks)] HttpRequest request) =>
        new ResultAction(await TaskEndpoints.ListAsync(request, client, request.HttpContext.RequestAborted));

    [Function("CountTasks")]
    [Requires("read")]
    public async Task<IActionResult> CountAsync([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = Tasks + "/counts")] HttpRequest request) =>
        new ResultAction(await TaskEndpoints.CountAsync(client, request.HttpContext.RequestAborted));

    [Function("GetTask")]
    [Requires("read-tasks")]
    public async Task<IActionResult> GetAsync([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = Tasks + "/{id}")] HttpRequest request, string id) =>
        new ResultAction(await TaskEndpoints.GetAsync(id, request.HttpContext, client, request.HttpContext.RequestAborted));

    [Function("GetTaskHistory")]
    [Requires("read-tasks")]
    public async Task<IActionResult> HistoryAsync([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = Tasks + "/{id}/history")] HttpRequest request, string id) =>
        new ResultAction(await TaskEndpoints.HistoryAsync(id, request.HttpContext, client, request.HttpContext.RequestAborted));

    [Function("CancelTask")]
    [Requires("operate")]
    public async Task<IActionResult> CancelAsync([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = Tasks + "/{id}/cancel")] HttpRequest request, string id) =>
        new ResultAction(await TaskEndpoints.CancelAsync(id, request.HttpContext, client));

    [Function("RetryTask")]
    [Requires("operate")]
    public async Task<IActionResult> RetryAsync([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = Tasks + "/{id}/retry")] HttpRequest request, string id) =>
        new ResultAction(await TaskEndpoints.RetryAsync(id, request.HttpContext, client));

    [Function("SuspendTask")]
    [Requires("operate")]
    public async Task<IActionResult> SuspendAsync([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = Tasks + "/{id}/suspend")] HttpRequest request, string id) =>
        new ResultAction(await TaskEndpoints.SuspendOrResumeAsync(id, suspend: true, request.HttpContext, client));

    [Function("ResumeTask")]
    [Requires("operate")]
    public async Task<IActionResult> ResumeAsync([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = Tasks + "/{id}/resume")] HttpRequest request, string id) =>
        new ResultAction(await TaskEndpoints.SuspendOrResumeAsync(id, suspend: false, request.HttpContext, client));

    [Function("RaiseTaskEvent")]
    [Requires("operate")]
    public async Task<IActionResult> RaiseEventAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = Tasks + "/{id}/events/{name}")] HttpRequest request, string id, string name) =>
        new ResultAction(await TaskEndpoints.RaiseEventAsync(id, name, request.HttpContext, client, options));

    [Function("PurgeTask")]
    [Requires("operate")]
    public async Task<IActionResult> PurgeAsync([HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = Tasks + "/{id}")] HttpRequest request, string id) =>
        new ResultAction(await TaskEndpoints.PurgeAsync(id, client, request.HttpContext.RequestAborted));
}
