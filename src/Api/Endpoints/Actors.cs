namespace TaskFlow.Api.Endpoints;

/// <summary>Who an API action is recorded as in the audit trail.</summary>
/// <remarks>Until API keys land, every caller is <c>anonymous</c>; then this becomes the key's id.</remarks>
internal static class Actors
{
    public static string Of(HttpContext context) => context.User.Identity?.Name ?? "anonymous";
}
