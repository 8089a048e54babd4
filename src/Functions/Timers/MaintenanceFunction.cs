using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;
using TaskFlow.Logging;
using TaskFlow.Retention;
using TaskFlow.Schedules;

namespace TaskFlow.Functions.Timers;

/// <summary>Every five seconds: fires the cron slots that are due (each exactly once, claimed in PostgreSQL in the
/// transaction that starts its task, whichever instance runs the timer) and applies retention.</summary>
/// <remarks>The timer trigger runs on one instance at a time (its lock is in <c>AzureWebJobsStorage</c>); the claim in
/// PostgreSQL is what makes a slot fire once even when two run together (a lock that expired, a second app).</remarks>
internal sealed partial class MaintenanceFunction
{
    private readonly ScheduleFirer schedules;
    private readonly HistoryPurger retention;
    private readonly ILogger<MaintenanceFunction> logger;

    public MaintenanceFunction(ScheduleFirer schedules, HistoryPurger retention, ILogger<MaintenanceFunction> logger)
    {
        this.schedules = schedules;
        this.retention = retention;
        this.logger = logger;
    }

    [Function("Maintenance")]
    public async Task RunAsync([TimerTrigger("*/5 * * * * *")] TimerInfo timer, CancellationToken cancellationToken)
    {
        int fired = await this.schedules.FireDueAsync(cancellationToken);
        if (fired > 0)
        {
            LogFired(this.logger, fired);
        }

        await this.retention.PurgeAsync(cancellationToken);
    }

    [LoggerMessage(EventId = EventIds.ScheduleSlotsFired, Level = LogLevel.Information, Message = "Fired the due slots of {Count} schedules")]
    private static partial void LogFired(ILogger logger, int count);
}
