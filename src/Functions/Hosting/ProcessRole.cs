namespace TaskFlow.Functions.Hosting;

/// <summary>What a TaskFlow process does: serve the API, run work, or both (<c>--role all|api|worker</c>);
/// or be an Azure Functions custom handler (<c>--role functions</c>, the default when the Functions host
/// starts it): the API plus the work its triggers hand in.</summary>
internal enum ProcessRole
{
    All,
    Api,
    Worker,
    Functions,
}

internal static class ProcessRoles
{
    /// <summary>Reads <c>--role</c> (or configuration <c>TaskFlow:Role</c>); defaults to
    /// <see cref="ProcessRole.Functions"/> under the Functions host and <see cref="ProcessRole.All"/> elsewhere.</summary>
    public static ProcessRole Parse(string? value, bool startedByFunctionsHost) => value?.ToLowerInvariant() switch
    {
        null or "" => startedByFunctionsHost ? ProcessRole.Functions : ProcessRole.All,
        "all" => ProcessRole.All,
        "api" => ProcessRole.Api,
        "worker" => ProcessRole.Worker,
        "functions" => ProcessRole.Functions,
        _ => throw new InvalidOperationException(
            $"Unknown role '{value}'. Use --role all (API and worker, the default), --role api, --role worker, or --role functions (Azure Functions custom handler)."),
    };

    public static bool RunsApi(this ProcessRole role) => role != ProcessRole.Worker;

    /// <summary>Fetches and runs work itself (the Functions role runs what its triggers hand in instead).</summary>
    public static bool RunsWorker(this ProcessRole role) => role is ProcessRole.All or ProcessRole.Worker;
}
