using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using TaskFlow.Database;
using TaskFlow.Testing;

namespace TaskFlow.Core.Tests.Database;

public sealed class MigratorTests(EmptyPostgresDatabase database) : IClassFixture<EmptyPostgresDatabase>
{
    [Fact]
    public async Task MigrateAsync_FromTenProcessesAtOnce_AppliesEachMigrationOnce()
    {
        await Task.WhenAll(Enumerable.Range(0, 10).Select(_ =>
            new Migrator(database.DataSource, NullLogger<Migrator>.Instance).MigrateAsync(CancellationToken.None)));

        IReadOnlyList<string> applied = await database.ColumnAsync("SELECT version FROM taskflow.schema_migrations ORDER BY version");
        Assert.Equal(Migrator.Known.Select(m => m.Version.ToString()), applied);
        Assert.Empty(await new Migrator(database.DataSource, NullLogger<Migrator>.Instance).PendingVersionsAsync(CancellationToken.None));
        Assert.Equal(1L, await database.ScalarAsync<long>("SELECT count(*) FROM pg_tables WHERE schemaname = 'taskflow' AND tablename = 'work_items'"));
    }

    [Fact]
    public async Task MigrateAsync_WhenDatabaseIsNewerThanThisBuild_RefusesWithAClearMessage()
    {
        var migrator = new Migrator(database.DataSource, NullLogger<Migrator>.Instance);
        await migrator.MigrateAsync(CancellationToken.None);
        await database.ScalarAsync<int>("INSERT INTO taskflow.schema_migrations (version, name) VALUES (9999, 'from_the_future') RETURNING version");
        try
        {
            var refusal = await Assert.ThrowsAsync<InvalidOperationException>(() => migrator.MigrateAsync(CancellationToken.None));
            Assert.Contains("Database is at migration 9999", refusal.Message);
            Assert.Contains("Deploy a newer TaskFlow", refusal.Message);
        }
        finally
        {
            await database.ScalarAsync<int>("DELETE FROM taskflow.schema_migrations WHERE version = 9999 RETURNING version");
        }
    }

    [Fact]
    public async Task MigrateAsync_RecordsTheChecksumOfEachMigrationFileItApplies()
    {
        await new Migrator(database.DataSource, NullLogger<Migrator>.Instance).MigrateAsync(CancellationToken.None);

        // The checksum of the file in the source tree, read here independently of the embedded copy.
        IEnumerable<string> expected = Migrator.Known.Select(m => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(
            File.ReadAllText(Repository.PathTo("src", "Core", "Database", "Migrations", m.FileName)).ReplaceLineEndings("\n")))).ToLowerInvariant());
        Assert.Equal(expected, await database.ColumnAsync("SELECT checksum FROM taskflow.schema_migrations ORDER BY version"));
    }

    [Fact]
    public async Task MigrateAsync_WhenAnAppliedMigrationDiffersFromItsFile_RefusesNamingItAndWhatToDo()
    {
        var migrator = new Migrator(database.DataSource, NullLogger<Migrator>.Instance);
        await migrator.MigrateAsync(CancellationToken.None);
        Migrator.Migration edited = Migrator.Known.Single(m => m.Version == 3);
        // As if 0003 had been applied from a file that was edited since.
        await database.ScalarAsync<int>("UPDATE taskflow.schema_migrations SET checksum = repeat('0', 64) WHERE version = 3 RETURNING version");
        try
        {
            var refusal = await Assert.ThrowsAsync<InvalidOperationException>(() => migrator.MigrateAsync(CancellationToken.None));
            Assert.Contains($"Migration 0003 ({edited.Name}) differs from the one this database applied", refusal.Message);
            Assert.Contains($"restore src/Core/Database/Migrations/{edited.FileName}", refusal.Message);
            Assert.Contains("put the change in a new migration", refusal.Message);
        }
        finally
        {
            await database.ScalarAsync<int>("UPDATE taskflow.schema_migrations SET checksum = @checksum WHERE version = 3 RETURNING version", ("checksum", edited.Checksum));
        }
    }

    [Fact]
    public async Task MigrateAsync_OverMigrationsAppliedBeforeChecksumsWereKept_RecordsTheirChecksums()
    {
        var migrator = new Migrator(database.DataSource, NullLogger<Migrator>.Instance);
        await migrator.MigrateAsync(CancellationToken.None);
        await database.ScalarAsync<long>("WITH cleared AS (UPDATE taskflow.schema_migrations SET checksum = NULL RETURNING 1) SELECT count(*) FROM cleared");

        await migrator.MigrateAsync(CancellationToken.None);

        Assert.Equal(Migrator.Known.Select(m => m.Checksum), await database.ColumnAsync("SELECT checksum FROM taskflow.schema_migrations ORDER BY version"));
    }
}
