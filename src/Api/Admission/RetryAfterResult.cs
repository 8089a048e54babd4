using System.Globalization;

namespace TaskFlow.Api.Admission;

/// <summary>A problem answer with a <c>Retry-After</c> header (whole seconds, rounded up, at least 1): how a caller
/// learns when to come back from a 429 or a 503.</summary>
internal sealed class RetryAfterResult(IResult problem, TimeSpan wait) : IResult
{
    public Task ExecuteAsync(HttpContext httpContext)
    {
        httpContext.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        return problem.ExecuteAsync(httpContext);
    }
}
