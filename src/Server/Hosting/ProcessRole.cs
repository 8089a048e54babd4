namespace TaskFlow.Server.Hosting;

/// <summary>What a TaskFlow server process does: serve the API, run work, both (<c>--role all|api|worker</c>); or one
/// thing and exit: bring the database's schema up to date (<c>--role migrate</c>, a deployment's step before it rolls
/// out), or create an admin API key and print it (<c>--role create-admin-key</c>, the first key of a deployment).</summary>
internal enum ProcessRole
{
    All,
    Api,
    Worker,
    Migrate,
    CreateAdminKey,
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
        "create-admin-key" => ProcessRole.CreateAdminKey,
        _ => throw new InvalidOperationException(
            $"Unknown role '{value}'. Use --role all (API and worker, the default), --role api, --role worker, --role migrate " +
            "(apply the schema's migrations and exit), or --role create-admin-key (print a new admin API key and exit). " +
            "(On Azure Functions, deploy src/Functions.)"),
    };

    public static bool RunsApi(this ProcessRole role) => role is ProcessRole.All or ProcessRole.Api;

    public static bool RunsWorker(this ProcessRole role) => role is ProcessRole.All or ProcessRole.Worker;
}
