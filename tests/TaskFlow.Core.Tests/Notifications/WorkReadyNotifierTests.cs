using System.Threading.Channels;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using TaskFlow.Database;
using TaskFlow.Dispatch;
using TaskFlow.Instances;
using TaskFlow.Notifications;
using TaskFlow.Testing;

namespace TaskFlow.Core.Tests.Notifications;

/// <summary>The work-ready NOTIFY after a commit: every ring is answered, and a burst of rings costs a
/// handful of NOTIFYs, not one each; the ringing process's own dispatchers are woken at once, and its listener
/// skips its own NOTIFYs.</summary>
public sealed class WorkReadyNotifierTests(PostgresDatabase database) : IClassFixture<PostgresDatabase>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Ring_WakesThisProcessesDispatchers_WithoutTheNotify()
    {
        // A database nobody listens on: the NOTIFY fails (and is logged), so only the direct wake can wake the loop.
        await using NpgsqlDataSource unreachable = NpgsqlDataSource.Create("Host=127.0.0.1;Port=1;Username=nobody;Timeout=1");
        var signal = new WakeSignal();
        WakeSignal.Listener dispatcher = signal.Listen();
        var notifier = new WorkReadyNotifier(unreachable, signal, NullLogger<WorkReadyNotifier>.Instance);

        notifier.Ring();

        // The fake clock never reaches the poll: the wait returns only because it was woken.
        Task woken = dispatcher.WaitAsync(TimeSpan.FromMinutes(1), new FakeTimeProvider(DateTimeOffset.UnixEpoch), CancellationToken.None);
        Assert.True(woken.IsCompleted, "The ring did not wake this process's dispatcher before any NOTIFY.");
        await woken;
    }

    [Fact]
    public async Task ARingForNoWork_WakesNothing_AndSendsNoNotify()
    {
        await using Listener other = await Listener.StartAsync(database.ConnectionString);
        var signal = new WakeSignal();
        WakeSignal.Listener dispatcher = signal.Listen();
        var notifier = new WorkReadyNotifier(database.DataSource, signal, NullLogger<WorkReadyNotifier>.Instance);

        notifier.Ring(WakeUps.None); // an episode or a submit that readied nothing
        Assert.False(
            dispatcher.WaitAsync(Patience, new FakeTimeProvider(DateTimeOffset.UnixEpoch), CancellationToken.None).IsCompleted,
            "A ring for no work woke this process's dispatcher.");

        // The next NOTIFY another process hears is the next ring's: none was sent for no work (read elsewhere as "all").
        notifier.Ring(WakeUps.Activities);
        Assert.Equal($"{notifier.Origin}/2", await other.NextPayloadAsync(Patience));
    }

    [Fact]
    public async Task ASubmit_RingsForTheWorkItCreated_EpisodesForAnOrchestration_ActivitiesForAPlainTask()
    {
        var signal = new WakeSignal();
        var client = new TaskFlowClient(database.DataSource, new SqlClock(TimeProvider.System), type => type == "an-orchestration",
            new WorkReadyNotifier(database.DataSource, signal, NullLogger<WorkReadyNotifier>.Instance));
        WakeSignal.Listener episodes = signal.Listen(WakeUps.Episodes), activities = signal.Listen(WakeUps.Activities);
        var never = new FakeTimeProvider(DateTimeOffset.UnixEpoch); // its poll never comes: a wait ends only if woken

        await client.ScheduleNewTaskAsync(TestTasks.Submission(type: "an-orchestration", inputJson: null), "test");
        Assert.True(episodes.WaitAsync(Patience, never, CancellationToken.None).IsCompleted, "A new orchestration did not ring for episodes.");
        Task activityLoop = activities.WaitAsync(Patience, never, CancellationToken.None);
        Assert.False(activityLoop.IsCompleted, "A new orchestration rang for activities.");

        await client.ScheduleNewTaskAsync(TestTasks.Submission(), "test");
        await activityLoop.WaitAsync(Patience);
        Assert.False(episodes.WaitAsync(Patience, never, CancellationToken.None).IsCompleted, "A new plain task rang for episodes.");
    }

    [Fact]
    public async Task Notify_CarriesTheOriginAndTheWork_AndTheListenerSkipsItsOwn()
    {
        await using Listener other = await Listener.StartAsync(database.ConnectionString);
        var signal = new WakeSignal();
        var notifier = new WorkReadyNotifier(database.DataSource, signal, NullLogger<WorkReadyNotifier>.Instance);
        var listener = new NotificationListener(
            database.DataSource, signal, notifier, new RunningWorkItems(), TimeProvider.System, NullLogger<NotificationListener>.Instance);
        WakeSignal.Listener dispatcher = signal.Listen();
        await listener.StartAsync(CancellationToken.None);
        try
        {
            // The listener wakes the dispatcher once it LISTENs: from then on, NOTIFYs reach it.
            await dispatcher.WaitAsync(Patience, TimeProvider.System, CancellationToken.None);

            // Another process hears this process's NOTIFY, with its origin and the work it readied. The ring woke this
            // process's dispatcher at once; its listener does not wake it again for the NOTIFY.
            notifier.Ring(WakeUps.Activities);
            await dispatcher.WaitAsync(Patience, TimeProvider.System, CancellationToken.None).WaitAsync(Patience);
            Assert.Equal($"{notifier.Origin}/2", await other.NextPayloadAsync(Patience));
            Task waiting = dispatcher.WaitAsync(Patience, TimeProvider.System, CancellationToken.None);
            await Task.Delay(500);
            Assert.False(waiting.IsCompleted, "The listener woke the dispatcher for this process's own NOTIFY.");

            // Another process's NOTIFY (or an older version's, with no payload) wakes it.
            await Notify(string.Empty);
            await waiting.WaitAsync(Patience);
        }
        finally
        {
            await listener.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task AnotherProcesssNotify_WakesTheLoopsForTheWorkItNames_AndWithoutOneEvery()
    {
        var signal = new WakeSignal();
        var notifier = new WorkReadyNotifier(database.DataSource, signal, NullLogger<WorkReadyNotifier>.Instance);
        var listener = new NotificationListener(
            database.DataSource, signal, notifier, new RunningWorkItems(), TimeProvider.System, NullLogger<NotificationListener>.Instance);
        WakeSignal.Listener episodes = signal.Listen(WakeUps.Episodes), activities = signal.Listen(WakeUps.Activities);
        await listener.StartAsync(CancellationToken.None);
        try
        {
            await episodes.WaitAsync(Patience, TimeProvider.System, CancellationToken.None); // listening
            await activities.WaitAsync(Patience, TimeProvider.System, CancellationToken.None);

            Task activityLoop = activities.WaitAsync(Patience, TimeProvider.System, CancellationToken.None);
            await Notify("another-process/1");
            await episodes.WaitAsync(Patience, TimeProvider.System, CancellationToken.None).WaitAsync(Patience);
            await Task.Delay(200);
            Assert.False(activityLoop.IsCompleted, "A NOTIFY for episodes woke the loop that leases activities.");

            await Notify("another-process");
            await activityLoop.WaitAsync(Patience);
        }
        finally
        {
            await listener.StopAsync(CancellationToken.None);
        }
    }

    private async Task Notify(string payload)
    {
        await using NpgsqlCommand notify = database.DataSource.CreateCommand($"SELECT pg_notify('{NotificationChannels.WorkReady}', $1)");
        notify.Parameters.AddWithValue(payload);
        await notify.ExecuteNonQueryAsync();
    }

    [Fact]
    public async Task Ring_OneAtATime_EachIsAnswered()
    {
        await using Listener listener = await Listener.StartAsync(database.ConnectionString);
        var notifier = new WorkReadyNotifier(database.DataSource, new WakeSignal(), NullLogger<WorkReadyNotifier>.Instance);

        for (int ring = 0; ring < 20; ring++)
        {
            notifier.Ring();
            Assert.True(await listener.NextAsync(Patience), $"Ring {ring} was not followed by a NOTIFY.");
        }
    }

    [Fact]
    public async Task Ring_WhileANotifyIsOnItsWay_GetsOneMore()
    {
        await using Listener listener = await Listener.StartAsync(database.ConnectionString);
        var notifier = new WorkReadyNotifier(database.DataSource, new WakeSignal(), NullLogger<WorkReadyNotifier>.Instance);

        // The second ring comes while the first NOTIFY is still on its way (it needs a round trip), and may
        // follow a commit that NOTIFY's readers cannot see yet: it must be answered by a NOTIFY of its own.
        notifier.Ring();
        notifier.Ring();

        Assert.True(await listener.NextAsync(Patience), "The first ring was not answered.");
        Assert.True(await listener.NextAsync(Patience), "The ring during the first NOTIFY was not answered.");
        Assert.False(await listener.NextAsync(TimeSpan.FromSeconds(1)), "Two rings sent more than two NOTIFYs.");
    }

    [Fact]
    public async Task Ring_ManyAtOnce_AreCoalesced()
    {
        await using Listener listener = await Listener.StartAsync(database.ConnectionString);
        var notifier = new WorkReadyNotifier(database.DataSource, new WakeSignal(), NullLogger<WorkReadyNotifier>.Instance);

        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() =>
        {
            for (int ring = 0; ring < 250; ring++)
            {
                notifier.Ring();
            }
        })));

        Assert.True(await listener.NextAsync(Patience), "A burst of rings sent no NOTIFY at all.");
        int received = 1;
        while (await listener.NextAsync(TimeSpan.FromSeconds(1)))
        {
            received++;
        }

        // 2,000 rings in well under a round trip: one NOTIFY, one more for the rings during it, and a few
        // more if a thread was descheduled between its rings.
        Assert.InRange(received, 1, 20);
    }

    /// <summary>A LISTEN connection that collects the work-ready notifications it receives.</summary>
    private sealed class Listener : IAsyncDisposable
    {
        private readonly NpgsqlConnection connection;
        private readonly Channel<string> received = Channel.CreateUnbounded<string>();
        private readonly CancellationTokenSource stop = new();
        private Task? pump;

        private Listener(NpgsqlConnection connection)
        {
            this.connection = connection;
            connection.Notification += (_, e) => this.received.Writer.TryWrite(e.Payload);
        }

        public static async Task<Listener> StartAsync(string connectionString)
        {
            var connection = new NpgsqlConnection(connectionString);
            await connection.OpenAsync();
            await using (var listen = new NpgsqlCommand($"LISTEN {NotificationChannels.WorkReady}", connection))
            {
                await listen.ExecuteNonQueryAsync();
            }

            var listener = new Listener(connection);
            listener.pump = listener.PumpAsync();
            return listener;
        }

        /// <returns>False when none arrived within <paramref name="timeout"/>.</returns>
        public async Task<bool> NextAsync(TimeSpan timeout) => await this.NextPayloadAsync(timeout) is not null;

        /// <returns>The next notification's payload, or null when none arrived within <paramref name="timeout"/>.</returns>
        public async Task<string?> NextPayloadAsync(TimeSpan timeout)
        {
            using var timer = new CancellationTokenSource(timeout);
            try
            {
                return await this.received.Reader.ReadAsync(timer.Token);
            }
            catch (OperationCanceledException)
            {
                return null;
            }
        }

        public async ValueTask DisposeAsync()
        {
            await this.stop.CancelAsync();
            await this.pump!;
            await this.connection.DisposeAsync();
            this.stop.Dispose();
        }

        private async Task PumpAsync()
        {
            try
            {
                while (true)
                {
                    await this.connection.WaitAsync(this.stop.Token);
                }
            }
            catch (OperationCanceledException)
            {
                // Disposed.
            }
        }
    }
}
