using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Npgsql;

namespace TaskFlow.Database;

/// <summary>Brings the schema up to date when the process starts (or, with <see cref="DatabaseOptions.MigrateOnStart"/>
/// off, checks that it is), and refuses to start when it cannot.</summary>
internal sealed class DatabaseMigrationService(Migrator migrator, NpgsqlDataSource dataSource, IOptions<DatabaseOptions> options) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            if (options.Value.MigrateOnStart)
            {
                await migrator.MigrateAsync(cancellationToken);
                return;
            }

            IReadOnlyList<int> pending = await migrator.PendingVersionsAsync(cancellationToken);
            if (pending.Count > 0)
            {
                throw new InvalidOperationException(
                    $"The database's schema is behind this build: migrations {string.Join(", ", pending.Select(v => v.ToString("0000")))} are not applied, " +
                    $"and {DatabaseOptions.Section}:MigrateOnStart is false. Apply them first (TaskFlow.Server --role migrate; " +
                    "the Helm chart runs it as a Job before each install and upgrade), or set MigrateOnStart to true.");
            }
        }
        catch (Exception exception) when (exception is NpgsqlException or TimeoutException or System.Net.Sockets.SocketException)
        {
            var target = new NpgsqlConnectionStringBuilder(dataSource.ConnectionString);
            throw new InvalidOperationException(
                $"Cannot reach PostgreSQL at {target.Host}:{target.Port}, database '{target.Database}', user '{target.Username}': {exception.Message} " +
                $"Check {ConnectionSettings.WhereToSet()}, and that the server is running.",
                exception);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
