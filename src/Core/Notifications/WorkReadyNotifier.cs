using Microsoft.Extensions.Logging;
using Npgsql;
using TaskFlow.Logging;

namespace TaskFlow.Notifications;

/// <summary>Tells the workers that work became ready: a NOTIFY on <see cref="NotificationChannels.WorkReady"/>,
/// sent after the commit that made the work ready, and coalesced: rings that arrive while one NOTIFY is
/// on its way are answered by one more, never by one each.</summary>
/// <remarks>
/// Why not NOTIFY inside the transaction: PostgreSQL serializes every committing transaction that sent a
/// NOTIFY on one database-wide lock, held until its commit record is flushed to disk, so concurrent
/// commits that notify stop sharing WAL flushes and queue one fsync at a time. A NOTIFY on its own, after
/// the commit, writes no WAL and holds that lock for microseconds.
/// What it costs: if the process dies between the commit and its NOTIFY, the work waits for a worker's
/// poll backstop; the notification only ever carried a hint, never the work itself.
/// </remarks>
internal sealed partial class WorkReadyNotifier(NpgsqlDataSource dataSource, ILogger<WorkReadyNotifier> logger)
{
    private readonly object gate = new();
    private bool sending;
    private bool rungWhileSending;

    /// <summary>Call after the commit that made work ready. Returns at once; the NOTIFY follows.</summary>
    public void Ring()
    {
        lock (this.gate)
        {
            if (this.sending)
            {
                this.rungWhileSending = true;
                return;
            }

            this.sending = true;
        }

        _ = Task.Run(this.SendAsync);
    }

    private async Task SendAsync()
    {
        while (true)
        {
            try
            {
                await using NpgsqlCommand notify = dataSource.CreateCommand($"SELECT pg_notify('{NotificationChannels.WorkReady}', '')");
                await notify.ExecuteNonQueryAsync();
            }
            catch (Exception exception) when (exception is NpgsqlException or TimeoutException or InvalidOperationException)
            {
                // Only a hint was lost: the workers' poll finds the work.
                LogNotifyFailed(logger, exception);
            }

            lock (this.gate)
            {
                // A ring during the NOTIFY may follow a commit the NOTIFY's readers could not yet see: one more.
                if (!this.rungWhileSending)
                {
                    this.sending = false;
                    return;
                }

                this.rungWhileSending = false;
            }
        }
    }

    [LoggerMessage(EventId = EventIds.WorkReadyNotifyFailed, Level = LogLevel.Warning, Message = "Could not send the work-ready NOTIFY; workers will find the work at their next poll")]
    private static partial void LogNotifyFailed(ILogger logger, Exception exception);
}
