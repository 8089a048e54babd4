namespace TaskFlow.Server.Hosting;

/// <summary>What a TaskFlow server process does: serve the API, run work, or both (<c>--role all|api|worker</c>).</summary>
internal enum ProcessRole
{
    All,
    Api,
    Worker,
}

internal static class ProcessRoles
{
    /// <summary>Reads <c>--role</c> (or configuration <c>TaskFlow:Role</c>); <see cref="ProcessRole.All"/> when unset.</summary>
    public static ProcessRole Parse(string? value) => value?.ToLowerInvariant() switch
    {
        null or "" or "all" => ProcessRole.All,
        "api" => ProcessRole.Api,
        "worker" => ProcessRole.Worker,
        _ => throw new InvalidOperationException(
            $"Unknown role '{value}'. Use --role all (API and worker, the default), --role api, or --role worker. (On Azure Functions, deploy src/Functions.)"),
    };

    public static bool RunsApi(this ProcessRole role) => role != ProcessRole.Worker;

    public static bool RunsWorker(this ProcessRole role) => role != ProcessRole.Api;
}
