using TaskFlow.Security;

namespace TaskFlow.Server.Hosting;

/// <summary><c>--role create-admin-key [--name NAME]</c>: creates an admin API key and prints its secret, the only copy,
/// on standard output, then exits. The first key of a deployment without an OpenID Connect issuer, e.g.
/// <c>kubectl exec deploy/taskflow-api -- dotnet TaskFlow.Server.dll --role create-admin-key --name ops</c>: the secret
/// goes to the terminal, not to the pod's log. Further keys are created over the API (<c>POST /api/keys</c>).</summary>
internal sealed class AdminKeyCommand(ApiKeyStore keys, IConfiguration configuration, IHostApplicationLifetime lifetime) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        string name = configuration["name"] is { Length: > 0 } given ? given : "admin";
        CreatedApiKey created = await keys.CreateAsync(name, [Roles.Admin], null, null, $"taskflow:create-admin-key@{Environment.MachineName}", cancellationToken);
        await Console.Out.WriteLineAsync(created.Secret);
        await Console.Error.WriteLineAsync($"Created admin key {created.Key.Id} ('{name}'); its secret, above, is shown only this once.");
        lifetime.StopApplication();
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
