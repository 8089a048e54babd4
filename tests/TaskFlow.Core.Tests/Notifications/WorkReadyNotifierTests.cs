using System.Threading.Channels;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using TaskFlow.Dispatch;
using TaskFlow.Notifications;
using TaskFlow.Testing;

namespace TaskFlow.Core.Tests.Notifications;

/// <summary>The work-ready NOTIFY after a commit: every ring is answered, and a burst of rings costs a
/// handful of NOTIFYs, not one each.</summary>
public sealed class WorkReadyNotifierTests(PostgresDatabase database) : IClassFixture<PostgresDatabase>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Ring_OneAtATime_EachIsAnswered()
    {
        await using Listener listener = await Listener.StartAsync(database.ConnectionString);
        var notifier = new WorkReadyNotifier(database.DataSource, NullLogger<WorkReadyNotifier>.Instance);

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
        var notifier = new WorkReadyNotifier(database.DataSource, NullLogger<WorkReadyNotifier>.Instance);

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
        var notifier = new WorkReadyNotifier(database.DataSource, NullLogger<WorkReadyNotifier>.Instance);

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
            connection.Notification += (_, e) => this.received.Writer.TryWrite(e.Channel);
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
        public async Task<bool> NextAsync(TimeSpan timeout)
        {
            using var timer = new CancellationTokenSource(timeout);
            try
            {
                await this.received.Reader.ReadAsync(timer.Token);
                return true;
            }
            catch (OperationCanceledException)
            {
                return false;
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
