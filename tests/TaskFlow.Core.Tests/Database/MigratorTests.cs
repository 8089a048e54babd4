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
}
