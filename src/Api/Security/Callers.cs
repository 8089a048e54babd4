using System.Security.Claims;
using TaskFlow.Security;

namespace TaskFlow.Api.Security;

/// <summary>What the API knows of an authenticated caller.</summary>
internal static class Callers
{
    /// <summary>The claim holding a key's own rate limit.</summary>
    public const string RequestsPerMinuteClaim = "taskflow:requests_per_minute";

    /// <summary>Recorded as the actor: the key's id (<c>key_…</c>), or <c>token:</c> and the token's subject.</summary>
    public static string Id(ClaimsPrincipal caller) => caller.Identity?.Name ?? "anonymous";

    /// <summary>Whether the caller reads only the tasks it submitted (a submitter and nothing more).</summary>
    public static bool SeesOnlyItsOwnTasks(ClaimsPrincipal caller) =>
        caller.Identity?.IsAuthenticated == true && !Policies.Read.Admits(caller) && caller.IsInRole(Roles.Submitter);
}
