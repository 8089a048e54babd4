using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TaskFlow.AzureQueues;
using TaskFlow.Workers;

namespace TaskFlow.Dispatch.Doorbells;

/// <summary>Puts a doorbell on the right queue for every work item that needs one: new and newly ready
/// items, and items whose doorbell went missing (still waiting well after it should have shown).</summary>
/// <remarks>A transactional outbox: the claim commits first, then the messages are put, so a crash in
/// between only delays work until the item is rung again. Runs in every process in queue mode; claims use
/// <c>SKIP LOCKED</c>, so ringers never ring the same item twice at once.</remarks>
internal sealed partial class DoorbellRinger(
    DoorbellStore store,
    DoorbellQueues queues,
    IQueueStorage storage,
    IOptions<QueueDispatchOptions> options,
    TimeProvider time,
    ILogger<DoorbellRinger> logger) : PeriodicService(time, logger)
{
    private const int BatchSize = 256;

    /// <summary>Puts at a time: Azure queues take one message per request, so puts go out side by side.</summary>
    private const int ParallelPuts = 16;

    protected override TimeSpan Interval => options.Value.RingInterval;

    /// <summary>Rings everything due now; returns how many doorbells were put.</summary>
    public async Task<int> RingDueAsync(CancellationToken cancellationToken)
    {
        int rung = 0;
        while (true)
        {
            var claimed = await store.ClaimAsync(BatchSize, options.Value.RingAgainAfter, cancellationToken);
            var failed = new List<long>();
            await Parallel.ForEachAsync(
                claimed,
                new ParallelOptions { MaxDegreeOfParallelism = ParallelPuts, CancellationToken = cancellationToken },
                async (item, token) =>
                {
                    try
                    {
                        await storage.PutMessageAsync(queues.For(item.Kind), item.Doorbell.ToJson(), item.Delay, timeToLive: null, token);
                    }
                    catch (QueueStorageException exception)
                    {
                        LogPutFailed(logger, item.Doorbell.WorkItemId, exception);
                        lock (failed)
                        {
                            failed.Add(item.Doorbell.WorkItemId);
                        }
                    }
                });

            await store.ForgetAsync(failed, CancellationToken.None);
            rung += claimed.Count - failed.Count;
            if (claimed.Count < BatchSize || failed.Count > 0)
            {
                return rung;
            }
        }
    }

    protected override async Task RunOnceAsync(CancellationToken cancellationToken) => await this.RingDueAsync(cancellationToken);

    [LoggerMessage(EventId = 1501, Level = LogLevel.Warning, Message = "Could not put the doorbell for work item {WorkItemId}; it will be rung again")]
    private static partial void LogPutFailed(ILogger logger, long workItemId, Exception exception);
}
