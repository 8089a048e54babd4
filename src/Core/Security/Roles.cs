namespace TaskFlow.Security;

/// <summary>What a caller may do. <c>admin</c>: everything, API keys included; <c>operator</c>: cancel, retry, purge,
/// raise events, suspend and resume, manage schedules, and read; <c>submitter</c>: submit tasks and read the ones it
/// submitted; <c>viewer</c>: read everything.</summary>
internal static class Roles
{
    public const string Admin = "admin";
    public const string Operator = "operator";
    public const string Submitter = "submitter";
    public const string Viewer = "viewer";

    public static IReadOnlyList<string> All { get; } = [Admin, Operator, Submitter, Viewer];
}
