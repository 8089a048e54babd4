using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;
using TaskFlow.Telemetry;

namespace TaskFlow.Api.Admission;

/// <summary>Decides whether a submission may write now. Refuses with 429 while the ready backlog is at its limit (the
/// workers are behind: more work would only wait longer), and with 503 when PostgreSQL is the bottleneck: every
/// submission slot busy, and either the bounded queue behind them full or the wait in it too long. Either way the
/// request changes nothing, the answer says when to come back, and no request waits without bound in this process.</summary>
internal sealed class SubmissionAdmission(IOptions<AdmissionOptions> options, ReadyBacklog backlog, TimeProvider time) : IDisposable
{
    private readonly ConcurrencyLimiter slots = new(new ConcurrencyLimiterOptions
    {
        PermitLimit = options.Value.MaxConcurrentSubmissions,
        QueueLimit = options.Value.MaxQueuedSubmissions,
        QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
    });

    /// <summary>A slot to write <paramref name="tasks"/> new tasks in (dispose it when the write is done), or the refusal
    /// to answer with.</summary>
    public async Task<AdmissionDecision> AdmitAsync(int tasks, CancellationToken requestAborted)
    {
        if (backlog.IsFull)
        {
            return Refuse("backlog", StatusCodes.Status429TooManyRequests, "Backlog full", options.Value.BacklogCheckInterval,
                $"The workers are behind: {options.Value.MaxReadyBacklog:N0} or more tasks are ready and waiting for one " +
                $"({AdmissionOptions.Section}:MaxReadyBacklog). Nothing was accepted; send it again after Retry-After.");
        }

        // A free slot is taken at once; only a submission that has to wait pays for the timer that bounds its wait.
        RateLimitLease slot = this.slots.AttemptAcquire(1);
        if (!slot.IsAcquired)
        {
            slot.Dispose();
            using var tooLong = new CancellationTokenSource(options.Value.MaxQueueWait, time);
            using var wait = CancellationTokenSource.CreateLinkedTokenSource(requestAborted, tooLong.Token);
            try
            {
                slot = await this.slots.AcquireAsync(1, wait.Token);
            }
            catch (OperationCanceledException) when (!requestAborted.IsCancellationRequested)
            {
                return Busy($"no submission slot came free within {options.Value.MaxQueueWait.TotalSeconds:0.###} s ({AdmissionOptions.Section}:MaxQueueWait)");
            }

            if (!slot.IsAcquired)
            {
                slot.Dispose();
                return Busy($"{options.Value.MaxQueuedSubmissions} submissions are already waiting ({AdmissionOptions.Section}:MaxQueuedSubmissions)");
            }
        }

        backlog.Admitted(tasks);
        return new AdmissionDecision(slot, null);
    }

    /// <summary>Submissions waiting for a slot now.</summary>
    public long Waiting => this.slots.GetStatistics()?.CurrentQueuedCount ?? 0;

    public void Dispose() => this.slots.Dispose();

    private static AdmissionDecision Busy(string why) => Refuse("busy", StatusCodes.Status503ServiceUnavailable, "Overloaded", TimeSpan.FromSeconds(1),
        $"The database is the bottleneck right now: {why}. Nothing was accepted; send it again after Retry-After.");

    private static AdmissionDecision Refuse(string reason, int status, string title, TimeSpan retryAfter, string detail)
    {
        TaskFlowMetrics.SubmissionsRefused.Add(1, new KeyValuePair<string, object?>("reason", reason));
        return new AdmissionDecision(null, new RetryAfterResult(Results.Problem(detail, statusCode: status, title: title), retryAfter));
    }
}
