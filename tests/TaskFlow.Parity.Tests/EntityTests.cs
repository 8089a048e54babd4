using System.Text.Json;
using DurableTask.Core;
using DurableTask.Core.Entities;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Entities;
using Npgsql;
using TaskFlow.Api.Samples;
using TaskFlow.Json;
using TaskFlow.Parity.Tests.Backends;
using TaskFlow.Testing;

namespace TaskFlow.Parity.Tests;

/// <summary>Durable entities through TaskFlow's storage provider, run by the Durable Task Framework's dispatchers with
/// the entity dispatcher on a queue of its own, as the Durable extension runs an isolated Function App (the SDK's
/// classes: the sample entities). Microsoft's in-memory test backend has no entities, so the expected results come from
/// the entities' semantics, written out.</summary>
public sealed class EntityTests(EntityTests.Host fixture) : IClassFixture<EntityTests.Host>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Counter_TakesSignalsAndCallsInOrder_AndItsStateAndOperationsAreInSql()
    {
        FrameworkEntityHost host = fixture.Entities;
        string key = $"visits-{Guid.NewGuid():N}";
        var counter = new EntityInstanceId("counter", key);
        await host.SignalAsync(counter, "add", 5);
        await host.SignalAsync(counter, "add", 5);
        await this.WaitForStateAsync(host, counter, "10");

        // The orchestration's three signals reach the counter before its call: one sender's messages keep their order.
        OrchestrationState count = await RunAsync(host, "count", new CountOrchestrator.Input(key, 3));
        Assert.Equal(OrchestrationStatus.Completed, count.OrchestrationStatus);
        Assert.Equal("13", count.Output);

        await using NpgsqlDataSource sql = NpgsqlDataSource.Create(fixture.ConnectionString);
        (string? state, string? lockedBy, long queued) = await ReadEntityRowAsync(sql, counter);
        Assert.Equal(("13", null, 0L), (state, lockedBy, queued));
        List<(string? Operation, bool IsSignal, string? Caller)> operations = await ReadOperationsAsync(sql, counter);
        Assert.Equal(
            [("add", true, null), ("add", true, null), ("add", true, count.OrchestrationInstance.InstanceId), ("add", true, count.OrchestrationInstance.InstanceId),
             ("add", true, count.OrchestrationInstance.InstanceId), ("get", false, count.OrchestrationInstance.InstanceId)],
            operations);
    }

    [Fact]
    public async Task SignalScheduledForLater_WaitsUntilItsTime()
    {
        FrameworkEntityHost host = fixture.Entities;
        var counter = new EntityInstanceId("counter", $"later-{Guid.NewGuid():N}");
        await host.SignalAsync(counter, "add", 1);
        await this.WaitForStateAsync(host, counter, "1");

        DateTime due = DateTime.UtcNow.AddSeconds(3);
        await host.SignalAsync(counter, "add", 10, at: due);
        await using NpgsqlDataSource sql = NpgsqlDataSource.Create(fixture.ConnectionString);
        await using (NpgsqlCommand scheduled = sql.CreateCommand("SELECT scheduled_operations FROM taskflow.entities WHERE instance_id = $1"))
        {
            scheduled.Parameters.AddWithValue(counter.ToString());
            Assert.Equal(1L, await scheduled.ExecuteScalarAsync());
        }

        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.Equal("1", (await host.Entities.GetEntityAsync(Id(counter), includeState: true))?.SerializedState);
        await this.WaitForStateAsync(host, counter, "11");
        Assert.True(DateTime.UtcNow >= due.AddMilliseconds(-50), "the signal was read before its time");
    }

    [Fact]
    public async Task Transfers_InCriticalSections_KeepTheTotal_AndReleaseTheirLocks()
    {
        FrameworkEntityHost host = fixture.Entities;
        string alice = $"alice-{Guid.NewGuid():N}", bob = $"bob-{Guid.NewGuid():N}";
        await host.SignalAsync(new EntityInstanceId("account", alice), "deposit", 100);
        await this.WaitForStateAsync(host, new EntityInstanceId("account", alice), "100");

        // Ten transfers each way at once: each locks both accounts, so none sees the other half done.
        OrchestrationState[] transfers = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => i % 2 == 0
            ? RunAsync(host, "transfer", new TransferOrchestrator.Input(alice, bob, 10))
            : RunAsync(host, "transfer", new TransferOrchestrator.Input(bob, alice, 5))));
        Assert.All(transfers, t => Assert.Equal(OrchestrationStatus.Completed, t.OrchestrationStatus));
        TransferOrchestrator.Result[] results = transfers.Select(t => JsonSerializer.Deserialize<TransferOrchestrator.Result>(t.Output, TaskFlowJson.Data)!).ToArray();
        Assert.All(results, r => Assert.Equal(100, r.FromBalance + r.ToBalance));
        int moved = results.Where((r, i) => r.Transferred && i % 2 == 0).Count() * 10 - results.Where((r, i) => r.Transferred && i % 2 == 1).Count() * 5;

        int aliceBalance = int.Parse((await host.Entities.GetEntityAsync(Id(new("account", alice)), includeState: true))!.Value.SerializedState!);
        int bobBalance = int.Parse((await host.Entities.GetEntityAsync(Id(new("account", bob)), includeState: true))!.Value.SerializedState!);
        Assert.Equal((100 - moved, moved), (aliceBalance, bobBalance));

        await using NpgsqlDataSource sql = NpgsqlDataSource.Create(fixture.ConnectionString);
        Assert.Null((await ReadEntityRowAsync(sql, new("account", alice))).LockedBy);
        Assert.Null((await ReadEntityRowAsync(sql, new("account", bob))).LockedBy);
    }

    [Fact]
    public async Task AnOperationThatThrows_FailsTheCall_AndChangesNothing()
    {
        FrameworkEntityHost host = fixture.Entities;
        string account = $"carol-{Guid.NewGuid():N}";
        await host.SignalAsync(new EntityInstanceId("account", account), "deposit", 7);
        await this.WaitForStateAsync(host, new EntityInstanceId("account", account), "7");

        OrchestrationState overdraw = await RunAsync(host, "overdraw", account);
        Assert.Equal(OrchestrationStatus.Completed, overdraw.OrchestrationStatus);
        Assert.Equal("\"Cannot withdraw 1000: the balance is 7.\"", overdraw.Output);
        Assert.Equal("7", (await host.Entities.GetEntityAsync(Id(new("account", account)), includeState: true))?.SerializedState);
    }

    [Fact]
    public async Task DeletedEntity_IsGone_AndCleaningRemovesItsRow()
    {
        FrameworkEntityHost host = fixture.Entities;
        var counter = new EntityInstanceId("counter", $"brief-{Guid.NewGuid():N}");
        await host.SignalAsync(counter, "add", 3);
        await this.WaitForStateAsync(host, counter, "3");

        await host.SignalAsync(counter, "delete");
        await Eventually.WaitForAsync(() => host.Entities.GetEntityAsync(Id(counter)), entity => entity is null, Patience, "the counter to be deleted");
        Assert.NotNull(await host.Entities.GetEntityAsync(Id(counter), includeStateless: true));

        EntityBackendQueries.CleanEntityStorageResult cleaned = await host.Entities.CleanEntityStorageAsync(new() { RemoveEmptyEntities = true });
        Assert.True(cleaned.EmptyEntitiesRemoved >= 1);
        Assert.Null(await host.Entities.GetEntityAsync(Id(counter), includeStateless: true));
    }

    [Fact]
    public async Task LockHeldByATerminatedOrchestration_IsReleasedByCleaning_AndTheNextTransferRuns()
    {
        FrameworkEntityHost host = fixture.Entities;
        string dave = $"dave-{Guid.NewGuid():N}", erin = $"erin-{Guid.NewGuid():N}";
        await host.SignalAsync(new EntityInstanceId("account", dave), "deposit", 50);
        await this.WaitForStateAsync(host, new EntityInstanceId("account", dave), "50");

        OrchestrationInstance holder = await host.Client.CreateOrchestrationInstanceAsync("hold-lock", string.Empty, $"holder-{Guid.NewGuid():N}", dave);
        await using NpgsqlDataSource sql = NpgsqlDataSource.Create(fixture.ConnectionString);
        await Eventually.WaitForAsync(() => ReadEntityRowAsync(sql, new("account", dave)), row => row.LockedBy == holder.InstanceId, Patience, "the lock to be taken");
        await host.Client.TerminateInstanceAsync(holder, "stuck");
        await host.Client.WaitForOrchestrationAsync(new OrchestrationInstance { InstanceId = holder.InstanceId }, Patience);

        EntityBackendQueries.CleanEntityStorageResult cleaned = await host.Entities.CleanEntityStorageAsync(new() { ReleaseOrphanedLocks = true });
        Assert.Equal(1, cleaned.OrphanedLocksReleased);
        OrchestrationState transfer = await RunAsync(host, "transfer", new TransferOrchestrator.Input(dave, erin, 20));
        Assert.Equal(new TransferOrchestrator.Result(true, 30, 20), JsonSerializer.Deserialize<TransferOrchestrator.Result>(transfer.Output, TaskFlowJson.Data));
    }

    private static EntityId Id(EntityInstanceId entity) => new(entity.Name, entity.Key);

    private async Task WaitForStateAsync(FrameworkEntityHost host, EntityInstanceId entity, string state) =>
        await Eventually.WaitForAsync(
            async () => (await host.Entities.GetEntityAsync(Id(entity), includeState: true))?.SerializedState, s => s == state, Patience, $"{entity} to hold {state}");

    private static async Task<OrchestrationState> RunAsync(FrameworkEntityHost host, string name, object input)
    {
        OrchestrationInstance instance = await host.Client.CreateOrchestrationInstanceAsync(name, string.Empty, $"{name}-{Guid.NewGuid():N}", input);
        // The store's own execution id, not the one the framework's client made up (it names no execution TaskFlow knows).
        return await host.Client.WaitForOrchestrationAsync(new OrchestrationInstance { InstanceId = instance.InstanceId }, Patience) ?? throw new TimeoutException($"{name} did not finish");
    }

    private static async Task<(string? State, string? LockedBy, long Queued)> ReadEntityRowAsync(NpgsqlDataSource sql, EntityInstanceId entity)
    {
        await using NpgsqlCommand read = sql.CreateCommand("SELECT state, locked_by, queued_operations FROM taskflow.entities WHERE instance_id = $1");
        read.Parameters.AddWithValue(entity.ToString());
        await using NpgsqlDataReader row = await read.ExecuteReaderAsync();
        Assert.True(await row.ReadAsync(), $"{entity} has no row in taskflow.entities");
        return (row.IsDBNull(0) ? null : row.GetString(0), row.IsDBNull(1) ? null : row.GetString(1), row.GetInt64(2));
    }

    private static async Task<List<(string? Operation, bool IsSignal, string? Caller)>> ReadOperationsAsync(NpgsqlDataSource sql, EntityInstanceId entity)
    {
        await using NpgsqlCommand read = sql.CreateCommand(
            "SELECT operation, is_signal, caller_instance_id FROM taskflow.entity_operations WHERE instance_id = $1 ORDER BY sequence");
        read.Parameters.AddWithValue(entity.ToString());
        var operations = new List<(string?, bool, string?)>();
        await using NpgsqlDataReader row = await read.ExecuteReaderAsync();
        while (await row.ReadAsync())
        {
            operations.Add((row.IsDBNull(0) ? null : row.GetString(0), row.GetBoolean(1), row.IsDBNull(2) ? null : row.GetString(2)));
        }

        return operations;
    }

    /// <summary>The sample entities, and two orchestrations the tests need: one that overdraws an account and reports
    /// the entity's failure, one that takes an account's lock and waits (for a termination).</summary>
    internal static void Register(DurableTaskRegistry registry)
    {
        registry.AddSampleEntities();
        registry.AddOrchestratorFunc<string, string>("overdraw", async (context, account) =>
        {
            try
            {
                await context.Entities.CallEntityAsync(new EntityInstanceId("account", account), "withdraw", 1000);
                return "withdrew";
            }
            catch (EntityOperationFailedException failed)
            {
                return failed.FailureDetails.ErrorMessage;
            }
        });
        registry.AddOrchestratorFunc<string, string>("hold-lock", async (context, account) =>
        {
            await using (await context.Entities.LockEntitiesAsync(new EntityInstanceId("account", account)))
            {
                return await context.WaitForExternalEvent<string>("never");
            }
        });
    }

    /// <summary>The host, on a database of its own.</summary>
    public sealed class Host : IAsyncLifetime
    {
        private readonly PostgresDatabase database = new();

        public FrameworkEntityHost Entities { get; private set; } = null!;

        public string ConnectionString => this.database.ConnectionString;

        public async Task InitializeAsync()
        {
            await this.database.InitializeAsync();
            this.Entities = await FrameworkEntityHost.StartAsync(this.database.ConnectionString, Register);
        }

        public async Task DisposeAsync()
        {
            await this.Entities.DisposeAsync();
            await this.database.DisposeAsync();
        }
    }
}
