using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using Npgsql;
using TaskFlow.Logging;

namespace TaskFlow.Database;

/// <summary>Applies the numbered, forward-only scripts in <c>Database/Migrations</c>.</summary>
/// <remarks>All pending scripts run in one transaction under <c>pg_advisory_xact_lock</c>, so any number of
/// processes starting at once upgrade the schema exactly once; the others wait and then find nothing to do.
/// Applied migrations are immutable: each one's checksum is recorded, and a database whose applied migration differs
/// from this build's file is refused (it would silently differ from a database created from the files).</remarks>
internal sealed partial class Migrator(NpgsqlDataSource dataSource, ILogger<Migrator> logger)
{
    // Any fixed number works; it only has to be the same in every TaskFlow process.
    private const long MigrationLockKey = 0x7461_736B_666C_6F77; // "taskflow"

    public static IReadOnlyList<Migration> Known { get; } = SqlText.Under("Database/Migrations")
        .Select(path => MigrationFileName().Match(Path.GetFileName(path)))
        .Where(match => match.Success)
        .Select(match => new Migration(int.Parse(match.Groups["version"].Value), match.Groups["name"].Value, match.Value, Checksum(match.Value)))
        .OrderBy(migration => migration.Version)
        .ToList();

    public async Task MigrateAsync(CancellationToken cancellationToken)
    {
        await using NpgsqlConnection connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using NpgsqlTransaction transaction = await connection.BeginTransactionAsync(cancellationToken);
        await ExecuteAsync(connection, $"SELECT pg_advisory_xact_lock({MigrationLockKey})", cancellationToken);
        await ExecuteAsync(connection, SqlText.Get("Database/Sql/CreateSchemaMigrations.sql"), cancellationToken);

        IReadOnlyDictionary<int, string?> applied = await AppliedAsync(connection, cancellationToken);
        ThrowIfDatabaseIsNewer(applied.Keys);
        await VerifyAppliedAsync(connection, applied, cancellationToken);

        foreach (Migration migration in Known.Where(m => !applied.ContainsKey(m.Version)))
        {
            await ExecuteAsync(connection, SqlText.Get(migration.ResourcePath), cancellationToken);
            await using var record = new NpgsqlCommand(SqlText.Get("Database/Sql/RecordMigration.sql"), connection);
            record.Parameters.AddWithValue("version", migration.Version);
            record.Parameters.AddWithValue("name", migration.Name);
            record.Parameters.AddWithValue("checksum", migration.Checksum);
            await record.Positional().ExecuteNonQueryAsync(cancellationToken);
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
        IReadOnlyDictionary<int, string?> applied = tableExists ? await AppliedAsync(connection, cancellationToken) : new Dictionary<int, string?>();
        return Known.Where(m => !applied.ContainsKey(m.Version)).Select(m => m.Version).ToList();
    }

    /// <summary>The SHA-256 of a migration file as embedded, with line endings as \n (a checkout's line endings are not a change).</summary>
    internal static string Checksum(string fileName) =>
        Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(
            SqlText.Get($"Database/Migrations/{fileName}").ReplaceLineEndings("\n")))).ToLowerInvariant();

    // Migrations applied before checksums were kept get this build's checksum: nothing recorded says otherwise.
    private async Task VerifyAppliedAsync(NpgsqlConnection connection, IReadOnlyDictionary<int, string?> applied, CancellationToken cancellationToken)
    {
        int recorded = 0;
        foreach (Migration migration in Known.Where(m => applied.ContainsKey(m.Version)))
        {
            string? checksum = applied[migration.Version];
            if (checksum is null)
            {
                await using var record = new NpgsqlCommand(SqlText.Get("Database/Sql/RecordMissingChecksum.sql"), connection);
                record.Parameters.AddWithValue("version", migration.Version);
                record.Parameters.AddWithValue("checksum", migration.Checksum);
                recorded += await record.Positional().ExecuteNonQueryAsync(cancellationToken);
            }
            else if (checksum != migration.Checksum)
            {
                throw new InvalidOperationException(
                    $"Migration {migration.Version:0000} ({migration.Name}) differs from the one this database applied " +
                    $"(checksum {checksum[..12]}… when applied, {migration.Checksum[..12]}… in this build). An applied migration must " +
                    $"never change: restore src/Core/Database/Migrations/{migration.FileName} as it was applied and put the change in a new migration.");
            }
        }

        if (recorded > 0)
        {
            LogChecksumsRecorded(logger, recorded);
        }
    }

    private static void ThrowIfDatabaseIsNewer(IEnumerable<int> applied)
    {
        int newestKnown = Known.Count == 0 ? 0 : Known[^1].Version;
        int newestApplied = applied.DefaultIfEmpty(0).Max();
        if (newestApplied > newestKnown)
        {
            throw new InvalidOperationException(
                $"Database is at migration {newestApplied:0000}; this build knows up to {newestKnown:0000}. Deploy a newer TaskFlow.");
        }
    }

    /// <summary>Each applied version with its recorded checksum (null: applied before checksums were kept).</summary>
    private static async Task<IReadOnlyDictionary<int, string?>> AppliedAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        var applied = new Dictionary<int, string?>();
        await using var command = new NpgsqlCommand("SELECT version, checksum FROM taskflow.schema_migrations", connection);
        await using NpgsqlDataReader reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            applied[reader.GetInt32(0)] = reader.IsDBNull(1) ? null : reader.GetString(1);
        }

        return applied;
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    [GeneratedRegex(@"^(?<version>\d{4})_(?<name>[a-z0-9_]+)\.sql$")]
    private static partial Regex MigrationFileName();

    [LoggerMessage(EventId = EventIds.MigrationApplied, Level = LogLevel.Information, Message = "Applied migration {Version:0000} ({Name})")]
    private static partial void LogApplied(ILogger logger, int version, string name);

    [LoggerMessage(EventId = EventIds.MigrationChecksumsRecorded, Level = LogLevel.Information, Message = "Recorded the checksums of {Count} migrations applied before checksums were kept")]
    private static partial void LogChecksumsRecorded(ILogger logger, int count);

    internal sealed record Migration(int Version, string Name, string FileName, string Checksum)
    {
        public string ResourcePath => $"Database/Migrations/{this.FileName}";
    }
}
