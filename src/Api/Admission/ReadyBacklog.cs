using Microsoft.Extensions.Options;
using TaskFlow.Workers;
using TaskFlow.WorkItems;

namespace TaskFlow.Api.Admission;

/// <summary>The ready backlog as this API process last counted it (every <see cref="AdmissionOptions.BacklogCheckInterval"/>):
/// a submission reads it from memory, so the check costs the request nothing. The count stops at the limit, so it costs
/// the database no more than the limit's worth of index entries however deep the queue.</summary>
/// <remarks>Between counts, the tasks this process admitted are added to the last count, so one API process stops at
/// the limit; N processes can pass it by what the others admitted within one interval. Work that accepted
/// orchestrations make (activities, children) is never refused and can take the backlog past the limit too.
/// When PostgreSQL cannot be reached the last count stands; submissions then fail on their own with 503.
/// Not the metrics' <c>QueueSnapshotService</c>: it counts the whole queue every 5 s, too stale for this and too costly
/// to run every second when the queue is deep; and the Function App has none.</remarks>
internal sealed class ReadyBacklog(WorkItemQueue queue, IOptions<AdmissionOptions> options, TimeProvider time, ILogger<ReadyBacklog> logger)
    : PeriodicService(time, logger)
{
    private long counted;
    private long admittedSinceCount;

    /// <summary>Whether the last count, with what this process admitted since, reached
    /// <see cref="AdmissionOptions.MaxReadyBacklog"/> (never, when that is 0).</summary>
    public bool IsFull => options.Value.MaxReadyBacklog > 0
        && Interlocked.Read(ref this.counted) + Interlocked.Read(ref this.admittedSinceCount) >= options.Value.MaxReadyBacklog;

    /// <summary>Notes <paramref name="tasks"/> admitted, until the next count sees them.</summary>
    public void Admitted(int tasks) => Interlocked.Add(ref this.admittedSinceCount, tasks);

    protected override TimeSpan Interval => options.Value.BacklogCheckInterval;

    /// <summary>Counts now (also what the loop does every interval).</summary>
    public async Task RefreshAsync(CancellationToken cancellationToken)
    {
        if (options.Value.MaxReadyBacklog > 0)
        {
            long ready = await queue.CountReadyAsync(options.Value.MaxReadyBacklog, cancellationToken);
            Interlocked.Exchange(ref this.admittedSinceCount, 0); // the count has them now (give or take those mid-commit)
            Interlocked.Exchange(ref this.counted, ready);
        }
    }

    protected override Task RunOnceAsync(CancellationToken cancellationToken) => this.RefreshAsync(cancellationToken);
}
