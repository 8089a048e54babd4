using TaskFlow.Api.Security;

namespace TaskFlow.Api.Endpoints;

/// <summary>Who an API action is recorded as in the audit trail: the caller's key id or token subject
/// (<c>anonymous</c> only where authentication is turned off).</summary>
internal static class Actors
{
    public static string Of(HttpContext context) => Callers.Id(context.User);
}
