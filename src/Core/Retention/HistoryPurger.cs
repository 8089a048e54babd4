using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TaskFlow.Instances;
using TaskFlow.Logging;
using TaskFlow.Workers;

namespace TaskFlow.Retention;

/// <summary>Purges finished tasks past their retention, a batch per transaction, until none is left.</summary>
/// <remarks>Runs in every worker; batches are taken with SKIP LOCKED, so purgers never wait on each other or on work.
/// Each run walks the tasks created before the cutoff once, oldest first (<see cref="TaskFlowClient.PurgeFinishedAsync"/>):
/// one unfinished, or finished after the cutoff, is passed over once a run, and one skipped because its row was locked is
/// purged next run.</remarks>
internal sealed partial class HistoryPurger(TaskFlowClient tasks, IOptions<RetentionOptions> options, TimeProvider time, ILogger<HistoryPurger> logger)
    : PeriodicService(time, logger)
{
    private readonly TimeProvider clock = time;

    protected override TimeSpan Interval => options.Value.Interval;

    protected override Task RunOnceAsync(CancellationToken cancellationToken) => this.PurgeAsync(cancellationToken);

    /// <summary>Purges what retention says is old enough, a batch per transaction (a timer function calls this where no
    /// worker runs the loop).</summary>
    public async Task PurgeAsync(CancellationToken cancellationToken)
    {
        if (options.Value.KeepFinishedFor is not { } keep)
        {
            return;
        }

        DateTimeOffset cutoff = this.clock.GetUtcNow() - keep;
        RetentionCursor? walkedTo = null;
        do
        {
            RetentionBatch batch = await tasks.PurgeFinishedAsync(cutoff, options.Value.BatchSize, walkedTo, cancellationToken);
            if (batch.Purged > 0)
            {
                LogPurged(logger, batch.Purged, cutoff);
            }

            walkedTo = batch.WalkedTo;
        }
        while (walkedTo is not null && !cancellationToken.IsCancellationRequested);
    }

    [LoggerMessage(EventId = EventIds.TasksPurged, Level = LogLevel.Information, Message = "Purged {Count} tasks finished before {Cutoff:O}")]
    private static partial void LogPurged(ILogger logger, long count, DateTimeOffset cutoff);
}
