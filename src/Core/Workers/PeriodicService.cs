using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using TaskFlow.Logging;

namespace TaskFlow.Workers;

/// <summary>A background loop that runs one step per interval on the injected clock and outlives failures of a step.</summary>
/// <remarks>A failed step (PostgreSQL restarting, say) is logged and tried again next interval: maintenance
/// must never take the worker down with it.</remarks>
internal abstract partial class PeriodicService(TimeProvider time, ILogger logger) : BackgroundService
{
    protected abstract TimeSpan Interval { get; }

    /// <summary>The clock the interval runs on.</summary>
    protected TimeProvider Clock => time;

    protected abstract Task RunOnceAsync(CancellationToken cancellationToken);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(this.Interval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await this.RunOnceAsync(stoppingToken);
            }
            catch (Exception exception) when (!stoppingToken.IsCancellationRequested)
            {
                LogStepFailed(logger, this.GetType().Name, exception);
            }
        }
    }

    [LoggerMessage(EventId = EventIds.PeriodicStepFailed, Level = LogLevel.Warning, Message = "{Service} step failed; retrying next interval")]
    private static partial void LogStepFailed(ILogger logger, string service, Exception exception);
}
