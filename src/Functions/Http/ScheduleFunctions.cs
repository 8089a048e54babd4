using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Options;
using TaskFlow.Api.Endpoints;
using TaskFlow.Api.Security;
using TaskFlow.Schedules;

namespace TaskFlow.Functions.Http;

/// <summary><c>/api/schedules</c> as HTTP functions over the server's handlers; the timer function fires the slots.</summary>
internal sealed class ScheduleFunctions(ScheduleClient client, TaskTypes taskTypes, IOptions<ApiOptions> options, TimeProvider time)
{
    private const string Schedules = "api/schedules";

    [Function("CreateSchedule")]
    [Requires("operate")]
    public async Task<IActionResult> CreateAsync([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = Schedules)] HttpRequest request) =>
        new ResultAction(await ScheduleEndpoints.CreateAsync(request.HttpContext, client, taskTypes, options, time));

    [Function("ListSchedules")]
    [Requires("read")]
    public async Task<IActionResult> ListAsync([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = Schedules)] HttpRequest request) =>
        new ResultAction(await ScheduleEndpoints.ListAsync(client, request.HttpContext.RequestAborted));

    [Function("GetSchedule")]
    [Requires("read")]
    public async Task<IActionResult> GetAsync([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = Schedules + "/{name}")] HttpRequest request, string name) =>
        new ResultAction(await ScheduleEndpoints.GetAsync(name, client, request.HttpContext.RequestAborted));

    [Function("GetScheduleHistory")]
    [Requires("read")]
    public async Task<IActionResult> HistoryAsync([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = Schedules + "/{name}/history")] HttpRequest request, string name) =>
        new ResultAction(await ScheduleEndpoints.HistoryAsync(name, client, request.HttpContext.RequestAborted));

    [Function("PutSchedule")]
    [Requires("operate")]
    public async Task<IActionResult> PutAsync([HttpTrigger(AuthorizationLevel.Anonymous, "put", Route = Schedules + "/{name}")] HttpRequest request, string name) =>
        new ResultAction(await ScheduleEndpoints.PutAsync(name, request.HttpContext, client, taskTypes, options, time));

    [Function("DeleteSchedule")]
    [Requires("operate")]
    public async Task<IActionResult> DeleteAsync([HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = Schedules + "/{name}")] HttpRequest request, string name) =>
        new ResultAction(await ScheduleEndpoints.DeleteAsync(name, request.HttpContext, client));

    [Function("PauseSchedule")]
    [Requires("operate")]
    public async Task<IActionResult> PauseAsync([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = Schedules + "/{name}/pause")] HttpRequest request, string name) =>
        new ResultAction(await ScheduleEndpoints.SetPausedAsync(name, true, request.HttpContext, client));

    [Function("ResumeSchedule")]
    [Requires("operate")]
    public async Task<IActionResult> ResumeAsync([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = Schedules + "/{name}/resume")] HttpRequest request, string name) =>
        new ResultAction(await ScheduleEndpoints.SetPausedAsync(name, false, request.HttpContext, client));

    [Function("TriggerSchedule")]
    [Requires("operate")]
    public async Task<IActionResult> TriggerAsync([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = Schedules + "/{name}/trigger")] HttpRequest request, string name) =>
        new ResultAction(await ScheduleEndpoints.TriggerAsync(name, request.HttpContext, client));
}
