using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Options;
using TaskFlow.Api.Endpoints;
using TaskFlow.Api.Security;
using TaskFlow.Limits;

namespace TaskFlow.Functions.Http;

/// <summary><c>/api/limits</c> as HTTP functions, the server's endpoints (src/Api): the limits hold for every process on
/// the database, so the host's TaskFlow provider enforces them on this app's activities.</summary>
internal sealed class LimitFunctions(LimitStore limits, IOptions<ApiOptions> options)
{
    private const string Limits = "api/limits";

    [Function("ListLimits")]
    [Requires("read")]
    public async Task<IActionResult> ListAsync([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = Limits)] HttpRequest request) =>
        new ResultAction(await LimitEndpoints.ListAsync(limits, request.HttpContext.RequestAborted));

    [Function("ListLimitChanges")]
    [Requires("read")]
    public async Task<IActionResult> ChangesAsync([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = Limits + "/changes")] HttpRequest request) =>
        new ResultAction(await LimitEndpoints.ChangesAsync(request, limits, request.HttpContext.RequestAborted));

    [Function("SetActivityLimit")]
    [Requires("operate")]
    public async Task<IActionResult> SetActivityAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "put", Route = Limits + "/{activity}")] HttpRequest request, string activity) =>
        new ResultAction(await LimitEndpoints.SetAsync(LimitScopes.Activity, activity, request.HttpContext, limits, options.Value));

    [Function("SetTagLimit")]
    [Requires("operate")]
    public async Task<IActionResult> SetTagAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "put", Route = Limits + "/tags/{tag}")] HttpRequest request, string tag) =>
        new ResultAction(await LimitEndpoints.SetAsync(LimitScopes.Tag, tag, request.HttpContext, limits, options.Value));

    [Function("RemoveActivityLimit")]
    [Requires("operate")]
    public async Task<IActionResult> RemoveActivityAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = Limits + "/{activity}")] HttpRequest request, string activity) =>
        new ResultAction(await LimitEndpoints.RemoveAsync(LimitScopes.Activity, activity, request.HttpContext, limits));

    [Function("RemoveTagLimit")]
    [Requires("operate")]
    public async Task<IActionResult> RemoveTagAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = Limits + "/tags/{tag}")] HttpRequest request, string tag) =>
        new ResultAction(await LimitEndpoints.RemoveAsync(LimitScopes.Tag, tag, request.HttpContext, limits));
}
