using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using TaskFlow.Database;
using Xunit;

namespace TaskFlow.Testing;

/// <summary>A fresh, migrated database of its own for one test class, on the cluster ./test.sh started
/// (or the one TASKFLOW_TEST_DATABASE_URL names). Dropped afterwards.</summary>
public class PostgresDatabase : IAsyncLifetime
{
    private readonly bool migrate;
    private string? name;

    public PostgresDatabase()
        : this(migrate: true)
    {
    }

    protected PostgresDatabase(bool migrate) => this.migrate = migrate;

    public string ConnectionString { get; private set; } = string.Empty;

    public NpgsqlDataSource DataSource { get; private set; } = null!;

    public static string ServerConnectionString =>
        Environment.GetEnvironmentVariable("TASKFLOW_TEST_DATABASE_URL") is { Length: > 0 } url
            ? url
            : throw new InvalidOperationException(
                "No test database: run ./test.sh (it starts one), or set TASKFLOW_TEST_DATABASE_URL to a PostgreSQL connection string whose user may CREATE DATABASE.");

    public async Task InitializeAsync()
    {
        this.name = $"taskflow_test_{Guid.NewGuid():N}"[..30];
        await using (NpgsqlDataSource server = NpgsqlDataSource.Create(ServerConnectionString))
        {
            await using NpgsqlCommand create = server.CreateCommand($"CREATE DATABASE {this.name}");
            await create.ExecuteNonQueryAsync();
        }

        this.ConnectionString = new NpgsqlConnectionStringBuilder(ServerConnectionString) { Database = this.name }.ToString();
        this.DataSource = NpgsqlDataSource.Create(this.ConnectionString);
        if (this.migrate)
        {
            await new Migrator(this.DataSource, NullLogger<Migrator>.Instance).MigrateAsync(CancellationToken.None);
        }
    }

    public async Task DisposeAsync()
    {
        await this.DataSource.DisposeAsync();
        NpgsqlConnection.ClearAllPools();
        await using NpgsqlDataSource server = NpgsqlDataSource.Create(ServerConnectionString);
        await using NpgsqlCommand drop = server.CreateCommand($"DROP DATABASE IF EXISTS {this.name} WITH (FORCE)");
        await drop.ExecuteNonQueryAsync();
    }

    /// <summary>Runs a statement for its effect (test data, ANALYZE).</summary>
    public async Task ExecuteAsync(string sql)
    {
        await using NpgsqlCommand command = this.DataSource.CreateCommand(sql);
        command.CommandTimeout = 0;
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>Runs a query that returns one value.</summary>
    public async Task<T> ScalarAsync<T>(string sql, params (string Name, object Value)[] parameters)
    {
        await using NpgsqlCommand command = this.DataSource.CreateCommand(sql);
        foreach ((string parameterName, object value) in parameters)
        {
            command.Parameters.AddWithValue(parameterName, value);
        }

        return (T)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>Runs a query and returns its first column as strings (an invariant check: should be empty).</summary>
    public async Task<IReadOnlyList<string>> ColumnAsync(string sql, params (string Name, object Value)[] parameters)
    {
        await using NpgsqlCommand command = this.DataSource.CreateCommand(sql);
        foreach ((string parameterName, object value) in parameters)
        {
            command.Parameters.AddWithValue(parameterName, value);
        }

        var values = new List<string>();
        await using NpgsqlDataReader reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            values.Add(reader.IsDBNull(0) ? "NULL" : Convert.ToString(reader.GetValue(0), System.Globalization.CultureInfo.InvariantCulture)!);
        }

        return values;
    }
}

/// <summary>A fresh database with no schema, for migration tests.</summary>
public sealed class EmptyPostgresDatabase() : PostgresDatabase(migrate: false);
