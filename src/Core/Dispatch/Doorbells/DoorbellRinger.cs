using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TaskFlow.AzureQueues;
using TaskFlow.Logging;
using TaskFlow.WorkItems;
using TaskFlow.Workers;

namespace TaskFlow.Dispatch.Doorbells;

/// <summary>Puts a doorbell on the right queue for every work item that needs one: new and newly ready
/// items at once, and, when a queue holds fewer messages than it should, that many of the longest-waiting
/// items again (their doorbells went missing).</summary>
/// <remarks>A transactional outbox: the claim commits first, then the messages are put, so a crash in
/// between only delays work until the item is rung again. Runs in every process in queue mode; claims use
/// <c>SKIP LOCKED</c>, so ringers never ring the same item twice at once. Missing doorbells are found by
/// counting rather than by age alone: re-ringing every item that waited long would flood a queue whose
/// backlog is merely deep, and the flood would make it deeper. A queue should hold one message per item
/// rung and not yet finished, leased ones included (their message is deleted after the commit). Stale
/// messages (a dead receiver's, hidden for up to VisibilityTimeout) can mask a loss until they show and are
/// deleted, so a lost doorbell is rung again within about VisibilityTimeout + RingAgainAfter.</remarks>
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

    private long lastLostCheck;

    protected override TimeSpan Interval => options.Value.RingInterval;

    /// <summary>Rings every item that needs a doorbell now; returns how many doorbells were put.</summary>
    public async Task<int> RingDueAsync(CancellationToken cancellationToken)
    {
        int rung = 0;
        while (true)
        {
            var claimed = await store.ClaimNewAsync(BatchSize, cancellationToken);
            (int put, bool failed) = await this.PutAsync(claimed, cancellationToken);
            rung += put;
            if (claimed.Count < BatchSize || failed)
            {
                break;
            }
        }

        return rung + await this.RingLostAsync(cancellationToken);
    }

    protected override async Task RunOnceAsync(CancellationToken cancellationToken)
    {
        await this.RingDueAsync(cancellationToken);
    }

    /// <summary>At most every half <see cref="QueueDispatchOptions.RingAgainAfter"/>: for each queue, rings
    /// again as many of the longest-waiting items as the queue is short of messages.</summary>
    private async Task<int> RingLostAsync(CancellationToken cancellationToken)
    {
        TimeSpan ringAgainAfter = options.Value.RingAgainAfter;
        if (this.lastLostCheck != 0 && this.Clock.GetElapsedTime(this.lastLostCheck) < ringAgainAfter / 2)
        {
            return 0;
        }

        this.lastLostCheck = this.Clock.GetTimestamp();
        int rung = 0;
        foreach (string kind in WorkKinds.All)
        {
            long expected = await store.CountRungAsync(kind, cancellationToken);
            if (expected == 0)
            {
                continue;
            }

            long missing = expected - await storage.GetApproximateMessageCountAsync(queues.For(kind), cancellationToken);
            if (missing > 0)
            {
                var claimed = await store.ClaimLostAsync(kind, (int)Math.Min(missing, BatchSize), ringAgainAfter, cancellationToken);
                if (claimed.Count > 0)
                {
                    LogRingingAgain(logger, claimed.Count, queues.For(kind), missing);
                }

                rung += (await this.PutAsync(claimed, cancellationToken)).Put;
            }
        }

        return rung;
    }

    private async Task<(int Put, bool Failed)> PutAsync(IReadOnlyList<(Doorbell Doorbell, string Kind, TimeSpan Delay)> claimed, CancellationToken cancellationToken)
    {
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
        return (claimed.Count - failed.Count, failed.Count > 0);
    }

    [LoggerMessage(EventId = EventIds.DoorbellPutFailed, Level = LogLevel.Warning, Message = "Could not put the doorbell for work item {WorkItemId}; it will be rung again")]
    private static partial void LogPutFailed(ILogger logger, long workItemId, Exception exception);

    [LoggerMessage(EventId = EventIds.DoorbellsRungAgain, Level = LogLevel.Information, Message = "Ringing {Count} work items again on {Queue}: it holds {Missing} fewer messages than items wait on one")]
    private static partial void LogRingingAgain(ILogger logger, int count, string queue, long missing);
}
