using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Options;
using TaskFlow.Api.Endpoints;
using TaskFlow.Instances;

namespace TaskFlow.Functions.Http;

/// <summary><c>/api/tasks</c> as HTTP functions: the server's handlers (src/Api) behind Functions' routes; only a
/// single submit differs, starting the orchestration through the Durable client.</summary>
internal sealed class TaskFunctions(TaskFlowClient client, TaskTypes taskTypes, IOptions<ApiOptions> options, TimeProvider time)
{
    private const string Tasks = "tasks";

    [Function("SubmitTask")]
    public async Task<IActionResult> SubmitAsync(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = Tasks)] HttpRequest request, [DurableClient] DurableTaskClient durable)
    {
        (TaskSubmission? submission, IResult? problem) = await TaskEndpoints.ParseSubmissionAsync(request.HttpContext, taskTypes, options.Value);
        return new ResultAction(submission is null
            ? problem!
            : await DurableTaskStarter.StartAsync(request.HttpContext, submission, durable, client, taskTypes, time));
    }

    /// <summary>All or nothing, in one transaction, as on the server (single-activity tasks inside their orchestration).</summary>
    [Function("SubmitTaskBatch")]
    public async Task<IActionResult> SubmitBatchAsync([HttpTrigger(AuthorizationLevel.Function, "post", Route = Tasks + "/batch")] HttpRequest request) =>
        new ResultAction(await TaskEndpoints.SubmitBatchAsync(request.HttpContext, client, taskTypes, options));

    [Function("ListTasks")]
    public async Task<IActionResult> ListAsync([HttpTrigger(AuthorizationLevel.Function, "get", Route = Tasks)] HttpRequest request) =>
        new ResultAction(await TaskEndpoints.ListAsync(request, client, request.HttpContext.RequestAborted));

    [Function("CountTasks")]
    public async Task<IActionResult> CountAsync([HttpTrigger(AuthorizationLevel.Function, "get", Route = Tasks + "/counts")] HttpRequest request) =>
        new ResultAction(await TaskEndpoints.CountAsync(client, request.HttpContext.RequestAborted));

    [Function("GetTask")]
    public async Task<IActionResult> GetAsync([HttpTrigger(AuthorizationLevel.Function, "get", Route = Tasks + "/{id}")] HttpRequest request, string id) =>
        new ResultAction(await TaskEndpoints.GetAsync(id, client, request.HttpContext.RequestAborted));

    [Function("GetTaskHistory")]
    public async Task<IActionResult> HistoryAsync([HttpTrigger(AuthorizationLevel.Function, "get", Route = Tasks + "/{id}/history")] HttpRequest request, string id) =>
        new ResultAction(await TaskEndpoints.HistoryAsync(id, request.HttpContext, client, request.HttpContext.RequestAborted));

    [Function("CancelTask")]
    public async Task<IActionResult> CancelAsync([HttpTrigger(AuthorizationLevel.Function, "post", Route = Tasks + "/{id}/cancel")] HttpRequest request, string id) =>
        new ResultAction(await TaskEndpoints.CancelAsync(id, request.HttpContext, client));

    [Function("RetryTask")]
    public async Task<IActionResult> RetryAsync([HttpTrigger(AuthorizationLevel.Function, "post", Route = Tasks + "/{id}/retry")] HttpRequest request, string id) =>
        new ResultAction(await TaskEndpoints.RetryAsync(id, request.HttpContext, client));

    [Function("SuspendTask")]
    public async Task<IActionResult> SuspendAsync([HttpTrigger(AuthorizationLevel.Function, "post", Route = Tasks + "/{id}/suspend")] HttpRequest request, string id) =>
        new ResultAction(await TaskEndpoints.SuspendOrResumeAsync(id, suspend: true, request.HttpContext, client));

    [Function("ResumeTask")]
    public async Task<IActionResult> ResumeAsync([HttpTrigger(AuthorizationLevel.Function, "post", Route = Tasks + "/{id}/resume")] HttpRequest request, string id) =>
        new ResultAction(await TaskEndpoints.SuspendOrResumeAsync(id, suspend: false, request.HttpContext, client));

    [Function("RaiseTaskEvent")]
    public async Task<IActionResult> RaiseEventAsync(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = Tasks + "/{id}/events/{name}")] HttpRequest request, string id, string name) =>
        new ResultAction(await TaskEndpoints.RaiseEventAsync(id, name, request.HttpContext, client, options));

    [Function("PurgeTask")]
    public async Task<IActionResult> PurgeAsync([HttpTrigger(AuthorizationLevel.Function, "delete", Route = Tasks + "/{id}")] HttpRequest request, string id) =>
        new ResultAction(await TaskEndpoints.PurgeAsync(id, client, request.HttpContext.RequestAborted));
}
