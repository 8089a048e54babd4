using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Client.Entities;
using Microsoft.DurableTask.Entities;
using Microsoft.Extensions.Options;
using TaskFlow.Api.Endpoints;
using TaskFlow.Api.Security;
using TaskFlow.Entities;

namespace TaskFlow.Functions.Http;

/// <summary><c>/api/entities</c> as HTTP functions: the server's reads (src/Api); a signal goes through the Durable
/// client, as a Function App sends one, and the host's TaskFlow provider writes it to PostgreSQL.</summary>
internal sealed class EntityHttpFunctions(EntityClient entities, IOptions<ApiOptions> options)
{
    private const string Entities = "api/entities";

    [Function("ListEntities")]
    [Requires("read")]
    public async Task<IActionResult> ListAsync([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = Entities)] HttpRequest request) =>
        new ResultAction(await EntityEndpoints.ListAsync(request, entities, request.HttpContext.RequestAborted));

    [Function("GetEntity")]
    [Requires("read")]
    public async Task<IActionResult> GetAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = Entities + "/{name}/{key}")] HttpRequest request, string name, string key) =>
        new ResultAction(await EntityEndpoints.GetAsync(name, key, entities, request.HttpContext.RequestAborted));

    [Function("SignalEntity")]
    [Requires("submit")]
    public async Task<IActionResult> SignalAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = Entities + "/{name}/{key}/signals")] HttpRequest request,
        string name,
        string key,
        [DurableClient] DurableTaskClient durable)
    {
        (EntitySignalJson? signal, Microsoft.AspNetCore.Http.IResult? problem) = await EntityEndpoints.ParseSignalAsync(name, key, request.HttpContext, options.Value);
        if (signal is null)
        {
            return new ResultAction(problem!);
        }

        await durable.Entities.SignalEntityAsync(
            new EntityInstanceId(name, key), signal.Operation, signal.Input, new SignalEntityOptions { SignalTime = signal.At }, request.HttpContext.RequestAborted);
        return new ResultAction(EntityEndpoints.Accepted(name, key, signal, requestId: null));
    }
}
