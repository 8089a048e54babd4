namespace TaskFlow.Functions.Hosting;

/// <summary>What a TaskFlow process does: serve the API, run work, or both (<c>--role all|api|worker</c>).</summary>
internal enum ProcessRole
{
    All,
    Api,
    Worker,
}

internal static class ProcessRoles
{
    /// <summary>Reads <c>--role</c> (or configuration <c>TaskFlow:Role</c>); defaults to <see cref="ProcessRole.All"/>.</summary>
    public static ProcessRole Parse(string? value) => value?.ToLowerInvariant() switch
    {
        null or "" or "all" => ProcessRole.All,
        "api" => ProcessRole.Api,
        "worker" => ProcessRole.Worker,
        _ => throw new InvalidOperationException($"Unknown role '{value}'. Use --role all (API and worker, the default), --role api or --role worker."),
    };

    public static bool RunsApi(this ProcessRole role) => role != ProcessRole.Worker;

    public static bool RunsWorker(this ProcessRole role) => role != ProcessRole.Api;
}
