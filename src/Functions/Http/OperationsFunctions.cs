using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Options;
using TaskFlow.Api.Endpoints;
using TaskFlow.Api.Security;
using TaskFlow.Database;
using TaskFlow.Instances;
using TaskFlow.Workers;

namespace TaskFlow.Functions.Http;

/// <summary>Health, readiness, the dead-letter list, the workers (here: the hosts running TaskFlow's provider) and the task statuses.</summary>
internal sealed class OperationsFunctions(TaskFlowClient client, Migrator migrator, WorkerDirectory workers, IOptions<TaskFlow.Workers.WorkerOptions> workerOptions)
{
    [Function("Health")]
    [Anonymous]
    public IActionResult Health([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "healthz")] HttpRequest request) =>
        new ResultAction(HealthEndpoints.Healthy());

    [Function("Ready")]
    [Anonymous]
    public async Task<IActionResult> ReadyAsync([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "readyz")] HttpRequest request) =>
        new ResultAction(await HealthEndpoints.ReadyAsync(migrator, request.HttpContext.RequestAborted));

    [Function("ListDeadLetter")]
    [Requires("read")]
    public async Task<IActionResult> DeadLetterAsync([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/dead-letter")] HttpRequest request) =>
        new ResultAction(await DeadLetterEndpoints.ListAsync(request, client, request.HttpContext.RequestAborted));

    [Function("ListWorkers")]
    [Requires("read")]
    public async Task<IActionResult> WorkersAsync([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/workers")] HttpRequest request) =>
        new ResultAction(await WorkerEndpoints.ListAsync(workers, workerOptions, request.HttpContext.RequestAborted));

    [Function("ListStatuses")]
    [Requires("read")]
    public IActionResult Statuses([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/statuses")] HttpRequest request) =>
        new ResultAction(StatusEndpoints.List());
}
