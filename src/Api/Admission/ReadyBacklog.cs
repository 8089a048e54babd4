using Microsoft.Extensions.Options;
using TaskFlow.Workers;
using TaskFlow.WorkItems;

namespace TaskFlow.Api.Admission;

/// <summary>The ready backlog as this API process last counted it (every <see cref="AdmissionOptions.BacklogCheckInterval"/>):
/// a submission reads it from memory, so the check costs the request nothing. The count stops at the limit, so it costs
/// the database no more than the limit's worth of index entries however deep the queue.</summary>
/// <remarks>Between counts, submissions go on being admitted: the backlog can pass the limit by one interval's worth.
/// When PostgreSQL cannot be reached the last count stands; submissions then fail on their own with 503.</remarks>
internal sealed class ReadyBacklog(WorkItemQueue queue, IOptions<AdmissionOptions> options, TimeProvider time, ILogger<ReadyBacklog> logger)
    : PeriodicService(time, logger)
{
    private long counted;

    /// <summary>Whether the last count reached <see cref="AdmissionOptions.MaxReadyBacklog"/> (never, when that is 0).</summary>
    public bool IsFull => options.Value.MaxReadyBacklog > 0 && Interlocked.Read(ref this.counted) >= options.Value.MaxReadyBacklog;

    protected override TimeSpan Interval => options.Value.BacklogCheckInterval;

    /// <summary>Counts now (also what the loop does every interval).</summary>
    public async Task RefreshAsync(CancellationToken cancellationToken)
    {
        if (options.Value.MaxReadyBacklog > 0)
        {
            Interlocked.Exchange(ref this.counted, await queue.CountReadyAsync(options.Value.MaxReadyBacklog, cancellationToken));
        }
    }

    protected override Task RunOnceAsync(CancellationToken cancellationToken) => this.RefreshAsync(cancellationToken);
}
