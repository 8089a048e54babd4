using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace TaskFlow.Functions.Http;

/// <summary>An ASP.NET Core <see cref="IResult"/> (what the shared handlers answer) as the <see cref="IActionResult"/>
/// an HTTP function returns: it writes the same status, headers and body.</summary>
internal sealed class ResultAction(IResult result) : IActionResult
{
    public Task ExecuteResultAsync(ActionContext context) => result.ExecuteAsync(context.HttpContext);
}
