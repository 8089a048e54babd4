using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Options;
using TaskFlow.Api.Endpoints;
using TaskFlow.Api.Security;
using TaskFlow.Security;

namespace TaskFlow.Functions.Http;

/// <summary><c>/api/keys</c> (admin) as HTTP functions over the server's handlers.</summary>
internal sealed class KeyFunctions(ApiKeyStore keys, IOptions<ApiOptions> options, TimeProvider time)
{
    private const string Keys = "api/keys";

    [Function("CreateKey")]
    [Requires("admin")]
    public async Task<IActionResult> CreateAsync([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = Keys)] HttpRequest request) =>
        new ResultAction(await KeyEndpoints.CreateAsync(request.HttpContext, keys, options, time));

    [Function("ListKeys")]
    [Requires("admin")]
    public async Task<IActionResult> ListAsync([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = Keys)] HttpRequest request) =>
        new ResultAction(await KeyEndpoints.ListAsync(keys, request.HttpContext.RequestAborted));

    [Function("GetKey")]
    [Requires("admin")]
    public async Task<IActionResult> GetAsync([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = Keys + "/{id}")] HttpRequest request, string id) =>
        new ResultAction(await KeyEndpoints.GetAsync(id, keys, request.HttpContext.RequestAborted));

    [Function("RevokeKey")]
    [Requires("admin")]
    public async Task<IActionResult> RevokeAsync([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = Keys + "/{id}/revoke")] HttpRequest request, string id) =>
        new ResultAction(await KeyEndpoints.RevokeAsync(id, request.HttpContext, keys));

    [Function("DeleteKey")]
    [Requires("admin")]
    public async Task<IActionResult> DeleteAsync([HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = Keys + "/{id}")] HttpRequest request, string id) =>
        new ResultAction(await KeyEndpoints.DeleteAsync(id, request.HttpContext, keys));
}
