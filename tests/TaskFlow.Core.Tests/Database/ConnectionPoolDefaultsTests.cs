using Npgsql;
using TaskFlow.Database;

namespace TaskFlow.Core.Tests.Database;

/// <summary>TaskFlow's pool keeps idle connections for an hour (Npgsql's five-minute pruning reopened them, cold, every
/// fifth minute of a steady load), unless the connection string chooses.</summary>
public sealed class ConnectionPoolDefaultsTests
{
    private const string Server = "Host=127.0.0.1;Port=5432;Username=postgres;Database=postgres";

    [Fact]
    public async Task IdleConnections_AreKeptForAnHour()
    {
        await using NpgsqlDataSource dataSource = TaskFlowDataSource.Create(Server);
        Assert.Equal(3600, new NpgsqlConnectionStringBuilder(dataSource.ConnectionString).ConnectionIdleLifetime);
    }

    [Fact]
    public async Task ALifetimeTheConnectionStringNames_Wins()
    {
        await using NpgsqlDataSource dataSource = TaskFlowDataSource.Create(Server + ";Connection Idle Lifetime=120");
        Assert.Equal(120, new NpgsqlConnectionStringBuilder(dataSource.ConnectionString).ConnectionIdleLifetime);
    }
}
