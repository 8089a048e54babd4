using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace TaskFlow.Database;

/// <summary>Applies the numbered, forward-only scripts in <c>Database/Migrations</c>.</summary>
/// <remarks>All pending scripts run in one transaction under <c>pg_advisory_xact_lock</c>, so any number of
/// processes starting at once upgrade the schema exactly once; the others wait and then find nothing to do.</remarks>
internal sealed partial class Migrator(NpgsqlDataSource dataSource, ILogger<Migrator> logger)
{
    // Any fixed number works; it only has to be the same in every TaskFlow process.
    private const long MigrationLockKey = 0x7461_736B_666C_6F77; // "taskflow"

    public static IReadOnlyList<Migration> Known { get; } = SqlText.Under("Database/Migrations")
        .Select(path => MigrationFileName().Match(Path.GetFileName(path)))
        .Where(match => match.Success)
        .Select(match => new Migration(int.Parse(match.Groups["version"].Value), match.Groups["name"].Value, match.Value))
        .OrderBy(migration => migration.Version)
        .ToList();

    public async Task MigrateAsync(CancellationToken cancellationToken)
    {
        await using NpgsqlConnection connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using NpgsqlTransaction transaction = await connection.BeginTransactionAsync(cancellationToken);
        await ExecuteAsync(connection, $"SELECT pg_advisory_xact_lock({MigrationLockKey})", cancellationToken);
        await ExecuteAsync(connection, SqlText.Get("Database/Sql/CreateSchemaMigrations.sql"), cancellationToken);

        IReadOnlySet<int> applied = await AppliedVersionsAsync(connection, cancellationToken);
        ThrowIfDatabaseIsNewer(applied);

        foreach (Migration migration in Known.Where(m => !applied.Contains(m.Version)))
        {
            await ExecuteAsync(connection, SqlText.Get($"Database/Migrations/{migration.FileName}"), cancellationToken);
            await using var record = new NpgsqlCommand(SqlText.Get("Database/Sql/RecordMigration.sql"), connection);
            record.Parameters.AddWithValue("version", migration.Version);
            record.Parameters.AddWithValue("name", migration.Name);
            await record.ExecuteNonQueryAsync(cancellationToken);
            LogApplied(logger, migration.Version, migration.Name);
        }

        await transaction.CommitAsync(cancellationToken);
    }

    /// <summary>The versions this build knows that the database has not applied yet (empty when ready).</summary>
    public async Task<IReadOnlyList<int>> PendingVersionsAsync(CancellationToken cancellationToken)
    {
        await using NpgsqlConnection connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var exists = new NpgsqlCommand("SELECT to_regclass('taskflow.schema_migrations') IS NOT NULL", connection);
        bool tableExists = (bool)(await exists.ExecuteScalarAsync(cancellationToken))!;
        IReadOnlySet<int> applied = tableExists ? await AppliedVersionsAsync(connection, cancellationToken) : new HashSet<int>();
        return Known.Where(m => !applied.Contains(m.Version)).Select(m => m.Version).ToList();
    }

    private static void ThrowIfDatabaseIsNewer(IReadOnlySet<int> applied)
    {
        int newestKnown = Known.Count == 0 ? 0 : Known[^1].Version;
        int newestApplied = applied.Count == 0 ? 0 : applied.Max();
        if (newestApplied > newestKnown)
        {
            throw new InvalidOperationException(
                $"Database is at migration {newestApplied:0000}; this build knows up to {newestKnown:0000}. Deploy a newer TaskFlow.");
        }
    }

    private static async Task<IReadOnlySet<int>> AppliedVersionsAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        var versions = new HashSet<int>();
        await using var command = new NpgsqlCommand("SELECT version FROM taskflow.schema_migrations", connection);
        await using NpgsqlDataReader reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            versions.Add(reader.GetInt32(0));
        }

        return versions;
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    [GeneratedRegex(@"^(?<version>\d{4})_(?<name>[a-z0-9_]+)\.sql$")]
    private static partial Regex MigrationFileName();

    [LoggerMessage(EventId = 1001, Level = LogLevel.Information, Message = "Applied migration {Version:0000} ({Name})")]
    private static partial void LogApplied(ILogger logger, int version, string name);

    internal sealed record Migration(int Version, string Name, string FileName);
}
