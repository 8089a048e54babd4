using System.Globalization;
using Microsoft.Extensions.Logging;
using Npgsql;
using TaskFlow.Logging;

namespace TaskFlow.Notifications;

/// <summary>Tells the workers that work became ready: this process's own dispatchers at once, through its
/// <see cref="WakeSignal"/>, and every other process by a NOTIFY on <see cref="NotificationChannels.WorkReady"/>, sent
/// after the commit that made the work ready and coalesced: rings that arrive while one NOTIFY is on its way are
/// answered by one more, never by one each.</summary>
/// <remarks>
/// Why wake this process directly: work handed from one of its loops to another (an episode's activity, an
/// activity's result) waited for the NOTIFY's round trip through PostgreSQL and the listener's connection, which came
/// 1–3 ms after the commit in a trace of the provider's one-at-a-time sequences (docs/benchmarks.md). The NOTIFY carries
/// <see cref="Origin"/>, so this process's listener skips its own: its loops were woken already, after the same commit,
/// and only those for the work it readied. The NOTIFY also says what that work was (<see cref="WakeUps"/>, as a number
/// after the origin: <c>origin/2</c>), so another process wakes only the loops that lease it.
///
/// Why not NOTIFY inside the transaction: PostgreSQL serializes every committing transaction that sent a
/// NOTIFY on one database-wide lock, held until its commit record is flushed to disk, so concurrent
/// commits that notify stop sharing WAL flushes and queue one fsync at a time. A NOTIFY on its own, after
/// the commit, writes no WAL and holds that lock for microseconds.
/// What it costs: if the process dies between the commit and its NOTIFY, the work waits for a worker's
/// poll backstop; the notification only ever carried a hint, never the work itself.
/// </remarks>
internal sealed partial class WorkReadyNotifier(NpgsqlDataSource dataSource, WakeSignal wake, ILogger<WorkReadyNotifier> logger)
{
    private readonly object gate = new();
    private bool sending;
    private bool rungWhileSending;
    private WakeUps ready; // what the rings since the last NOTIFY readied

    /// <summary>Starts the payload of this process's NOTIFYs: its listener's cue that they are its own.</summary>
    public string Origin { get; } = Guid.NewGuid().ToString("N");

    /// <summary>Call after the commit that made work ready. Returns at once; the NOTIFY follows.</summary>
    /// <param name="work">The work that became ready, when the caller knows it; <see cref="WakeUps.None"/> rings nobody.</param>
    public void Ring(WakeUps work = WakeUps.All)
    {
        if (work == WakeUps.None)
        {
            return; // a NOTIFY naming no work would read, to another process, as one from before payloads: wake everything
        }

        wake.Set(work);
        lock (this.gate)
        {
            this.ready |= work;
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
            WakeUps work;
            lock (this.gate)
            {
                work = this.ready;
                this.ready = WakeUps.None;
            }

            try
            {
                await using NpgsqlCommand notify = dataSource.CreateCommand(
                    $"SELECT pg_notify('{NotificationChannels.WorkReady}', '{this.Origin}/{(int)work}')");
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

    /// <summary>The work a work-ready NOTIFY's payload says became ready, or null when this process sent it (its rings
    /// woke its loops already). A payload without the work (an older version's, empty) readies any.</summary>
    public WakeUps? WorkFromOthers(string payload)
    {
        int slash = payload.IndexOf('/', StringComparison.Ordinal);
        if ((slash < 0 ? payload : payload[..slash]) == this.Origin)
        {
            return null;
        }

        if (slash >= 0 && int.TryParse(payload.AsSpan(slash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out int work)
            && work > 0 && (work & ~(int)WakeUps.All) == 0)
        {
            return (WakeUps)work;
        }

        return WakeUps.All;
    }

    [LoggerMessage(EventId = EventIds.WorkReadyNotifyFailed, Level = LogLevel.Warning, Message = "Could not send the work-ready NOTIFY; workers will find the work at their next poll")]
    private static partial void LogNotifyFailed(ILogger logger, Exception exception);
}
