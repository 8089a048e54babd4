namespace TaskFlow.Server.Hosting;

/// <summary>What a TaskFlow server process does: serve the API, run work, both (<c>--role all|api|worker</c>), or bring
/// the database's schema up to date and exit (<c>--role migrate</c>, a deployment's step before it rolls out).</summary>
internal enum ProcessRole
{
    All,
    Api,
    Worker,
    Migrate,
}

internal static class ProcessRoles
{
    /// <summary>Reads <c>--role</c> (or configuration <c>TaskFlow:Role</c>); <see cref="ProcessRole.All"/> when unset.</summary>
    public static ProcessRole Parse(string? value) => value?.ToLowerInvariant() switch
    {
        null or "" or "all" => ProcessRole.All,
        "api" => ProcessRole.Api,
        "worker" => ProcessRole.Worker,
        "migrate" => ProcessRole.Migrate,
        _ => throw new InvalidOperationException(
            $"Unknown role '{value}'. Use --role all (API and worker, the default), --role api, --role worker, or --role migrate " +
            "(apply the schema's migrations and exit). (On Azure Functions, deploy src/Functions.)"),
    };

    public static bool RunsApi(this ProcessRole role) => role is ProcessRole.All or ProcessRole.Api;

    public static bool RunsWorker(this ProcessRole role) => role is ProcessRole.All or ProcessRole.Worker;
}
