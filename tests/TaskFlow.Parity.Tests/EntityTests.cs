using System.Text.Json;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Entities;
using Npgsql;
using TaskFlow.Api.Samples;
using TaskFlow.Json;
using TaskFlow.Parity.Tests.Backends;
using TaskFlow.Testing;

namespace TaskFlow.Parity.Tests;

/// <summary>The same Durable entity scenarios on both of TaskFlow's hosts, each over a database of its own: the
/// server's dispatcher (the SDK's entity runner) and the storage provider run by the Durable Task Framework's own
/// dispatchers, entities on a queue of their own as the Durable extension runs an isolated Function App (the SDK's
/// classes: the sample entities). Microsoft's in-memory test backend has no entities, so the expected results are the
/// entities' semantics, written out; both hosts must give them.</summary>
public sealed class EntityTests(EntityTests.Hosts hosts) : IClassFixture<EntityTests.Hosts>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    public static TheoryData<string> Backends => new() { "server", "provider" };

    [Theory]
    [MemberData(nameof(Backends))]
    public async Task Counter_TakesSignalsAndCallsInOrder_AndItsStateAndOperationsAreInSql(string backend)
    {
        IEntityBackend host = hosts.For(backend);
        string key = $"visits-{Guid.NewGuid():N}";
        var counter = new EntityInstanceId("counter", key);
        await host.SignalAsync(counter, "add", 5);
        await host.SignalAsync(counter, "add", 5);
        await WaitForStateAsync(host, counter, "10");

        // The orchestration's three signals reach the counter before its call: one sender's messages keep their order.
        string count = await host.StartAsync("count", new CountOrchestrator.Input(key, 3));
        Assert.Equal(("Completed", "13"), await host.WaitAsync(count));

        await using NpgsqlDataSource sql = NpgsqlDataSource.Create(host.ConnectionString);
        Assert.Equal(("13", null, 0L), await ReadEntityRowAsync(sql, counter));
        Assert.Equal(
            [("add", true, null), ("add", true, null), ("add", true, count), ("add", true, count), ("add", true, count), ("get", false, count)],
            await ReadOperationsAsync(sql, counter));
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public async Task SignalScheduledForLater_WaitsUntilItsTime(string backend)
    {
        IEntityBackend host = hosts.For(backend);
        var counter = new EntityInstanceId("counter", $"later-{Guid.NewGuid():N}");
        await host.SignalAsync(counter, "add", 1);
        await WaitForStateAsync(host, counter, "1");

        DateTimeOffset due = DateTimeOffset.UtcNow.AddSeconds(3);
        await host.SignalAsync(counter, "add", 10, at: due);
        await using NpgsqlDataSource sql = NpgsqlDataSource.Create(host.ConnectionString);
        await using (NpgsqlCommand scheduled = sql.CreateCommand("SELECT scheduled_operations FROM taskflow.entities WHERE instance_id = $1"))
        {
            scheduled.Parameters.AddWithValue(counter.ToString());
            Assert.Equal(1L, await scheduled.ExecuteScalarAsync());
        }

        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.Equal("1", await host.StateAsync(counter));
        await WaitForStateAsync(host, counter, "11");
        Assert.True(DateTimeOffset.UtcNow >= due.AddMilliseconds(-50), "the signal was read before its time");
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public async Task Transfers_InCriticalSections_KeepTheTotal_AndReleaseTheirLocks(string backend)
    {
        IEntityBackend host = hosts.For(backend);
        var bob = new EntityInstanceId("account", $"bob-{Guid.NewGuid():N}");
        EntityInstanceId alice = await FundedAccountAsync(host, "alice", 100);

        // Ten transfers each way at once: each locks both accounts, so none sees the other half done.
        string[] ids = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => host.StartAsync(
            "transfer", i % 2 == 0 ? new TransferOrchestrator.Input(alice.Key, bob.Key, 10) : new TransferOrchestrator.Input(bob.Key, alice.Key, 5))));
        (string Status, string? Output)[] transfers = await Task.WhenAll(ids.Select(host.WaitAsync));
        Assert.All(transfers, t => Assert.Equal("Completed", t.Status));
        TransferOrchestrator.Result[] results = transfers.Select(t => JsonSerializer.Deserialize<TransferOrchestrator.Result>(t.Output!, TaskFlowJson.Data)!).ToArray();
        Assert.All(results, r => Assert.Equal(100, r.FromBalance + r.ToBalance));
        int moved = results.Where((r, i) => r.Transferred && i % 2 == 0).Count() * 10 - results.Where((r, i) => r.Transferred && i % 2 == 1).Count() * 5;
        Assert.Equal((100 - moved, moved), (int.Parse((await host.StateAsync(alice))!), int.Parse((await host.StateAsync(bob))!)));

        await using NpgsqlDataSource sql = NpgsqlDataSource.Create(host.ConnectionString);
        // Each transfer's release reaches the accounts after the transfer completed.
        await Eventually.WaitForAsync(() => ReadEntityRowAsync(sql, alice), row => row.LockedBy is null, Patience, "alice's lock to go");
        await Eventually.WaitForAsync(() => ReadEntityRowAsync(sql, bob), row => row.LockedBy is null, Patience, "bob's lock to go");
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public async Task AnOperationThatThrows_FailsTheCall_AndChangesNothing(string backend)
    {
        IEntityBackend host = hosts.For(backend);
        EntityInstanceId account = await FundedAccountAsync(host, "carol", 7);

        string overdraw = await host.StartAsync("overdraw", account.Key);
        Assert.Equal(("Completed", "\"Cannot withdraw 1000: the balance is 7.\""), await host.WaitAsync(overdraw));
        Assert.Equal("7", await host.StateAsync(account));
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public async Task DeletedEntity_IsGone_AndCleaningRemovesItsRow(string backend)
    {
        IEntityBackend host = hosts.For(backend);
        var counter = new EntityInstanceId("counter", $"brief-{Guid.NewGuid():N}");
        await host.SignalAsync(counter, "add", 3);
        await WaitForStateAsync(host, counter, "3");

        (bool exists, string? state, DateTimeOffset lastModified, int backlog) = await host.MetadataWithoutStateAsync(counter);
        Assert.Equal((true, null, 0), (exists, state, backlog)); // read without its state
        Assert.True(lastModified > DateTimeOffset.UtcNow.AddMinutes(-1) && lastModified <= DateTimeOffset.UtcNow.AddSeconds(5), $"last modified {lastModified:o}");

        await host.SignalAsync(counter, "delete");
        await Eventually.WaitForAsync(() => host.StateAsync(counter), state => state is null, Patience, "the counter to be deleted");
        Assert.False((await host.MetadataWithoutStateAsync(counter)).Exists);
        Assert.True(await host.HasRowAsync(counter));

        (int removed, _) = await host.CleanAsync(removeEmptyEntities: true, releaseOrphanedLocks: false);
        Assert.True(removed >= 1);
        Assert.False(await host.HasRowAsync(counter));
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public async Task TerminatedLockHolders_LoseTheirLocks_ByTheTerminationOrByCleaning_AndTheNextTransferRuns(string backend)
    {
        IEntityBackend host = hosts.For(backend);
        var erin = new EntityInstanceId("account", $"erin-{Guid.NewGuid():N}");
        EntityInstanceId dave = await FundedAccountAsync(host, "dave", 50);
        await using NpgsqlDataSource sql = NpgsqlDataSource.Create(host.ConnectionString);

        // The first holder takes the lock; the second's lock request waits in the entity's queue behind it.
        string first = await host.StartAsync("hold-lock", dave.Key);
        await Eventually.WaitForAsync(() => ReadEntityRowAsync(sql, dave), row => row.LockedBy == first, Patience, "the first lock");
        string second = await host.StartAsync("hold-lock", dave.Key);
        await Eventually.WaitForAsync(() => ReadEntityRowAsync(sql, dave), row => row.Queued == 1, Patience, "the second lock request to queue");

        // Terminating the second leaves its queued request; terminating the first releases the lock it holds, and the
        // entity grants the lock to the queued request of an orchestration that no longer runs.
        await host.TerminateAsync(second);
        Assert.Equal("Terminated", (await host.WaitAsync(second)).Status);
        await host.TerminateAsync(first);
        Assert.Equal("Terminated", (await host.WaitAsync(first)).Status);
        await Eventually.WaitForAsync(() => ReadEntityRowAsync(sql, dave), row => row.LockedBy == second, Patience, "the orphaned lock");

        // Cleaning sends the release its owner never will.
        Assert.Equal((0, 1), await host.CleanAsync(removeEmptyEntities: false, releaseOrphanedLocks: true));
        string transfer = await host.StartAsync("transfer", new TransferOrchestrator.Input(dave.Key, erin.Key, 20));
        (string status, string? output) = await host.WaitAsync(transfer);
        Assert.Equal("Completed", status);
        Assert.Equal(new TransferOrchestrator.Result(true, 30, 20), JsonSerializer.Deserialize<TransferOrchestrator.Result>(output!, TaskFlowJson.Data));
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public async Task OrchestrationThatFailsInACriticalSection_ReleasesItsLock_AndItsSignalForLaterStillArrives(string backend)
    {
        IEntityBackend host = hosts.For(backend);
        EntityInstanceId account = await FundedAccountAsync(host, "frank", 5);
        DateTimeOffset started = DateTimeOffset.UtcNow;

        string failing = await host.StartAsync("lock-then-fail", account.Key);
        (string status, _) = await host.WaitAsync(failing);
        Assert.Equal("Failed", status);

        await using NpgsqlDataSource sql = NpgsqlDataSource.Create(host.ConnectionString);
        await Eventually.WaitForAsync(() => ReadEntityRowAsync(sql, account), row => row.LockedBy is null, Patience, "the failed orchestration's lock to go");
        Assert.Equal("5", await host.StateAsync(account));
        var counter = new EntityInstanceId("counter", account.Key);
        await WaitForStateAsync(host, counter, "1");
        Assert.True(DateTimeOffset.UtcNow - started >= TimeSpan.FromSeconds(2), "the orchestration's signal for later ran early");
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public async Task EntityThatStartsAnOrchestration_StartsItOnce_AndAStartUnderATakenIdChangesNothingElse(string backend)
    {
        IEntityBackend host = hosts.For(backend);
        string key = $"starter-{Guid.NewGuid():N}";
        var starter = new EntityInstanceId("starter", key);
        await host.SignalAsync(starter, "start", key);
        await host.SignalAsync(starter, "start", key); // the same instance id again: the framework drops this start
        await WaitForStateAsync(host, starter, "2");

        Assert.Equal(("Completed", "2"), await host.WaitAsync($"counted-{key}"));
        await using NpgsqlDataSource sql = NpgsqlDataSource.Create(host.ConnectionString);
        await using NpgsqlCommand started = sql.CreateCommand("SELECT count(*) FROM taskflow.task_history WHERE instance_id = $1 AND event_type = 'ExecutionStarted'");
        started.Parameters.AddWithValue($"counted-{key}");
        Assert.Equal(1L, await started.ExecuteScalarAsync());
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public async Task EntityQuery_ByPrefix_PagesThroughEveryEntityWithState_InIdOrder(string backend)
    {
        IEntityBackend host = hosts.For(backend);
        string run = Guid.NewGuid().ToString("N")[..8];
        string[] keys = [.. Enumerable.Range(1, 5).Select(i => $"page-{run}-{i}")];
        foreach (string key in keys)
        {
            await host.SignalAsync(new EntityInstanceId("counter", key), "add", 1);
        }

        await Task.WhenAll(keys.Select(key => WaitForStateAsync(host, new EntityInstanceId("counter", key), "1")));
        await host.SignalAsync(new EntityInstanceId("counter", $"page-{run}-9"), "delete"); // no state: not listed

        IReadOnlyList<IReadOnlyList<string>> pages = await host.PagesAsync($"counter@page-{run}-", pageSize: 2);
        Assert.Equal([2, 2, 1], pages.Select(page => page.Count));
        Assert.Equal(keys.Select(key => $"@counter@{key}"), pages.SelectMany(page => page));
    }

    /// <summary>A new account holding <paramref name="balance"/>, once its deposit ran.</summary>
    private static async Task<EntityInstanceId> FundedAccountAsync(IEntityBackend host, string owner, int balance)
    {
        var account = new EntityInstanceId("account", $"{owner}-{Guid.NewGuid():N}");
        await host.SignalAsync(account, "deposit", balance);
        await WaitForStateAsync(host, account, balance.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return account;
    }

    private static Task WaitForStateAsync(IEntityBackend host, EntityInstanceId entity, string state) =>
        Eventually.WaitForAsync(() => host.StateAsync(entity), s => s == state, Patience, $"{entity} to hold {state} on {host.Name}");

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

    /// <summary>The sample entities, an entity that starts orchestrations, and the orchestrations the tests need: one that overdraws an account and reports
    /// the entity's failure, one that fails inside its critical section, one that takes an account's lock and waits (for
    /// a termination).</summary>
    internal static void Register(DurableTaskRegistry registry)
    {
        registry.AddSampleEntities();
        registry.AddEntity<StarterEntity>("starter");
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
        registry.AddOrchestratorFunc<string, string>("lock-then-fail", async (context, key) =>
        {
            // A signal due two seconds later, sent from the orchestration; then a critical section that throws.
            await context.Entities.SignalEntityAsync(
                new EntityInstanceId("counter", key), "add", 1, new SignalEntityOptions { SignalTime = context.CurrentUtcDateTime.AddSeconds(2) });
            await using (await context.Entities.LockEntitiesAsync(new EntityInstanceId("account", key)))
            {
                if (!context.Entities.InCriticalSection(out IReadOnlyList<EntityInstanceId>? locked) || locked.Count != 1)
                {
                    return "not in its critical section";
                }

                throw new InvalidOperationException("fails while it holds the lock");
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

    /// <summary>Counts its <c>start</c> operations; each starts <c>count</c> (two signals to a counter, then a call) as
    /// <c>counted-{key}</c>.</summary>
    private sealed class StarterEntity : TaskEntity<int>
    {
        public void Start(string key)
        {
            this.State++;
            this.Context.ScheduleNewOrchestration("count", new CountOrchestrator.Input($"for-{key}", 2), new StartOrchestrationOptions($"counted-{key}"));
        }
    }

    /// <summary>Both hosts, each on a database of its own.</summary>
    public sealed class Hosts : IAsyncLifetime
    {
        private readonly PostgresDatabase serverDatabase = new();
        private readonly PostgresDatabase providerDatabase = new();
        private IEntityBackend? server;
        private IEntityBackend? provider;

        public IEntityBackend For(string backend) => (backend == "server" ? this.server : this.provider)!;

        public async Task InitializeAsync()
        {
            await Task.WhenAll(this.serverDatabase.InitializeAsync(), this.providerDatabase.InitializeAsync());
            this.server = await ServerEntityHost.StartAsync(this.serverDatabase.ConnectionString, Register);
            this.provider = await FrameworkEntityHost.StartAsync(this.providerDatabase.ConnectionString, Register);
        }

        public async Task DisposeAsync()
        {
            await (this.server?.DisposeAsync() ?? ValueTask.CompletedTask);
            await (this.provider?.DisposeAsync() ?? ValueTask.CompletedTask);
            await this.serverDatabase.DisposeAsync();
            await this.providerDatabase.DisposeAsync();
        }
    }
}
