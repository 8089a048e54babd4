using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using TaskFlow.Api.Admission;

namespace TaskFlow.Api.Security;

/// <summary>Admits a request or answers it: lockout of the client address, authentication (an API key or a bearer
/// token), the endpoint's policy, then the caller's rate limit. One implementation for both hosts: the server runs it
/// as middleware, the Function App as worker middleware.</summary>
internal sealed class CallerGate(IOptions<SecurityOptions> options, LockoutTracker lockout, CallerRateLimiter limiter, TimeProvider time)
{
    /// <summary>The authentication scheme that forwards to the API key or the bearer token scheme by header.</summary>
    public const string Scheme = "TaskFlow";

    /// <param name="policy">Null for an endpoint anyone may call.</param>
    /// <returns>Null when admitted (with <see cref="HttpContext.User"/> set); else the answer: 401, 403 or 429, as problem+json.</returns>
    public async Task<IResult?> AdmitAsync(HttpContext http, Policy? policy)
    {
        if (policy is null || !options.Value.Enabled)
        {
            return null;
        }

        if (lockout.LockedUntil(http.Connection.RemoteIpAddress) is { } until)
        {
            return TooManyRequests(until - time.GetUtcNow(), "Locked out", "Too many failed authentications came from this address; it is locked out for a while.");
        }

        AuthenticateResult authenticated = await http.AuthenticateAsync(Scheme);
        if (!authenticated.Succeeded)
        {
            if (authenticated.Failure is not null)
            {
                lockout.RecordFailure(http.Connection.RemoteIpAddress); // a credential was presented, and it was wrong
            }

            http.Response.Headers.WWWAuthenticate = options.Value.Jwt.Configured ? "ApiKey, Bearer" : "ApiKey";
            return Results.Problem(
                authenticated.Failure is null
                    ? "Send an API key ('Authorization: ApiKey tfk_…' or 'X-Api-Key') or a bearer token ('Authorization: Bearer …')."
                    : "The credential is not valid (unknown, revoked or expired key; or a token with the wrong issuer, audience, signature or lifetime).",
                statusCode: StatusCodes.Status401Unauthorized,
                title: "Authentication required");
        }

        http.User = authenticated.Principal!;
        if (!policy.Admits(http.User))
        {
            return Results.Problem(
                $"This needs one of the roles {string.Join(", ", policy.Roles)}.",
                statusCode: StatusCodes.Status403Forbidden,
                title: "Not allowed");
        }

        return limiter.TryAdmit(http.User) is { } wait
            ? TooManyRequests(wait, "Rate limit reached", $"Caller '{Callers.Id(http.User)}' made more requests than its rate allows; wait and try again.")
            : null;
    }

    private static IResult TooManyRequests(TimeSpan wait, string title, string detail) => new RetryAfterResult(
        Results.Problem(detail, statusCode: StatusCodes.Status429TooManyRequests, title: title), wait);
}
