using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using TaskFlow.Logging;
using TaskFlow.Notifications;

namespace TaskFlow.Dispatch;

/// <summary>Holds one connection that LISTENs for ready work and cancellations, reconnecting when it drops.</summary>
/// <remarks>After every (re)connect it wakes the dispatcher once, since notifications sent while it was not
/// listening are gone; the dispatcher's poll is the backstop for the rest. A work-ready NOTIFY wakes the loops that
/// lease the work it names; this process's own are skipped: <see cref="WorkReadyNotifier.Ring"/> woke its loops already.</remarks>
internal sealed partial class NotificationListener(
    NpgsqlDataSource dataSource, WakeSignal wake, WorkReadyNotifier notifier, RunningWorkItems running, TimeProvider time,
    ILogger<NotificationListener> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using NpgsqlConnection connection = await dataSource.OpenConnectionAsync(stoppingToken);
                connection.Notification += this.OnNotification;
                await using (var listen = new NpgsqlCommand(
                    $"LISTEN {NotificationChannels.WorkReady}; LISTEN {NotificationChannels.TaskCancelled}", connection))
                {
                    await listen.ExecuteNonQueryAsync(stoppingToken);
                }

                wake.Set();
                while (true)
                {
                    await connection.WaitAsync(stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception exception) when (exception is NpgsqlException or TimeoutException or IOException)
            {
                LogListenFailed(logger, exception);
                await Task.Delay(TimeSpan.FromSeconds(1), time, stoppingToken);
            }
        }
    }

    private void OnNotification(object sender, NpgsqlNotificationEventArgs notification)
    {
        if (notification.Channel == NotificationChannels.TaskCancelled && notification.Payload is { Length: > 0 } instanceId)
        {
            running.StopInstance(instanceId, WorkStopReason.Cancelled);
        }
        else if (notifier.WorkFromOthers(notification.Payload) is { } work)
        {
            wake.Set(work);
        }
    }

    [LoggerMessage(EventId = EventIds.ListenConnectionLost, Level = LogLevel.Warning, Message = "LISTEN connection lost; reconnecting (polling covers the gap)")]
    private static partial void LogListenFailed(ILogger logger, Exception exception);
}
