using Microsoft.Extensions.Hosting;
using Npgsql;

namespace TaskFlow.Database;

/// <summary>Brings the schema up to date when the process starts, and refuses to start when it cannot.</summary>
internal sealed class DatabaseMigrationService(Migrator migrator, NpgsqlDataSource dataSource) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            await migrator.MigrateAsync(cancellationToken);
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
