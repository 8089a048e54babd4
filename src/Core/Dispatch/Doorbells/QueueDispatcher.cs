using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TaskFlow.AzureQueues;
using TaskFlow.Leases;
using TaskFlow.Logging;
using TaskFlow.WorkItems;
using TaskFlow.Workers;

namespace TaskFlow.Dispatch.Doorbells;

/// <summary>The worker loop of queue dispatch: receive doorbells in batches from each work kind's queue,
/// lease and run their work items, and delete each message once its work is done.</summary>
/// <remarks>One receive loop per queue, side by side, sharing the worker's concurrency slots: a queue
/// request takes tens of milliseconds (more on Azurite), so receiving one queue after another would leave
/// slots idle. Azure queues have no long poll, so an idle loop receives again after a pause that doubles up
/// to <see cref="QueueDispatchOptions.MaxReceiveInterval"/>, and any message resets it.
/// Work that limits govern has no doorbells (a limit can hold it far longer than a message may wait): a loop beside the
/// receive loops leases it from PostgreSQL, within its limits, on the same slots.</remarks>
internal sealed partial class QueueDispatcher(
    DoorbellHandler handler,
    DoorbellQueues queues,
    IQueueStorage storage,
    WorkItemLeases leases,
    WorkItemQueue workItems,
    WorkerIdentity identity,
    WorkItemRunner runner,
    IOptions<WorkerOptions> workerOptions,
    IOptions<QueueDispatchOptions> options,
    TimeProvider time,
    ILogger<QueueDispatcher> logger) : BackgroundService
{
    private const int MaxBatch = 32;
    private static readonly TimeSpan FirstPause = TimeSpan.FromMilliseconds(25);
    private static readonly TimeSpan Linger = TimeSpan.FromMilliseconds(20);
    private readonly SemaphoreSlim slots = new(workerOptions.Value.Concurrency, workerOptions.Value.Concurrency);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await Task.WhenAll(queues.All.Select(queue => this.ReceiveLoopAsync(queue, stoppingToken)).Append(this.LimitedWorkLoopAsync(stoppingToken)));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down: fall through to drain.
        }

        await runner.DrainAsync();
    }

    private async Task ReceiveLoopAsync(string queue, CancellationToken stoppingToken)
    {
        TimeSpan pause = FirstPause;
        while (!stoppingToken.IsCancellationRequested)
        {
            int taken = await this.TakeSlotsAsync(stoppingToken);
            int received = await this.ReceiveAsync(queue, taken, stoppingToken);
            if (received == 0)
            {
                pause = pause * 2 < options.Value.MaxReceiveInterval ? pause * 2 : options.Value.MaxReceiveInterval;
                await Task.Delay(pause, time, stoppingToken);
            }
            else
            {
                pause = FirstPause;
            }
        }
    }

    /// <summary>Leases work that limits govern as slots and limits allow, and starts it; between leases that find none,
    /// waits until held work may have a slot or a token (<see cref="WorkItemQueue.NextLimitedAtAsync"/>), at most the
    /// receive interval.</summary>
    private async Task LimitedWorkLoopAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            int taken = await this.TakeSlotsAsync(stoppingToken, linger: false); // the receive loops' batches must not wait on this one
            int started = 0;
            TimeSpan wait = options.Value.MaxReceiveInterval;
            try
            {
                foreach (WorkItemLease lease in await leases.LeaseNextAsync(identity.Id, taken, stoppingToken, limitedOnly: true))
                {
                    started++;
                    _ = this.FreeSlotWhenDoneAsync(runner.Start(lease));
                }

                if (started == 0 && await workItems.NextLimitedAtAsync(stoppingToken) is { } next && next - time.GetUtcNow() < wait)
                {
                    wait = next > time.GetUtcNow() ? next - time.GetUtcNow() : TimeSpan.Zero;
                }
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                LogLimitedLeaseFailed(logger, exception);
            }
            finally
            {
                this.GiveBackUnused(taken, started);
            }

            if (started == 0)
            {
                await Task.Delay(wait, time, stoppingToken);
            }
        }
    }

    private async Task FreeSlotWhenDoneAsync(Task<bool> work)
    {
        try
        {
            await work;
        }
        finally
        {
            this.slots.Release();
        }
    }

    /// <summary>Waits for one free slot, then takes the free ones up to a batch; with less than half a batch,
    /// waits up to <see cref="Linger"/> for more: when a busy worker's items finish together, one receive then
    /// fetches a batch instead of many receives fetching one message each.</summary>
    private async Task<int> TakeSlotsAsync(CancellationToken stoppingToken, bool linger = true)
    {
        await this.slots.WaitAsync(stoppingToken);
        int wanted = Math.Min(MaxBatch, workerOptions.Value.Concurrency);
        int taken = 1;
        long lingerUntil = time.GetTimestamp() + (long)(Linger.TotalSeconds * time.TimestampFrequency);
        while (taken < wanted)
        {
            if (this.slots.Wait(0, CancellationToken.None))
            {
                taken++;
                continue;
            }

            TimeSpan left = time.GetElapsedTime(time.GetTimestamp(), lingerUntil);
            if (!linger || taken >= wanted / 2 || left <= TimeSpan.Zero || !await this.slots.WaitAsync(left, stoppingToken))
            {
                break;
            }

            taken++;
        }

        return taken;
    }

    /// <summary>Receives up to <paramref name="slotsTaken"/> doorbells and starts their work; gives back the
    /// slots it does not use, and each used one when its work is done. Returns how many messages came.</summary>
    private async Task<int> ReceiveAsync(string queue, int slotsTaken, CancellationToken stoppingToken)
    {
        int used = 0;
        try
        {
            IReadOnlyList<QueueMessage> messages = await storage.GetMessagesAsync(queue, slotsTaken, options.Value.VisibilityTimeout, stoppingToken);
            if (messages.Count == 0)
            {
                return 0;
            }

            foreach (DoorbellHandler.Handled handled in await handler.HandleAsync(queue, messages, stoppingToken))
            {
                if (handled.Work is not null)
                {
                    used++;
                }

                _ = this.SettleAsync(queue, handled);
            }

            return messages.Count;
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            // Storage or database unreachable: the messages show again after their visibility timeout.
            LogReceiveFailed(logger, queue, exception);
            await Task.Delay(options.Value.MaxReceiveInterval, time, stoppingToken);
            return 0;
        }
        finally
        {
            this.GiveBackUnused(slotsTaken, used);
        }
    }

    /// <summary>Frees the slots a loop took but did not fill. Only when there are some: SemaphoreSlim refuses a release of
    /// 0, and the exception would end the dispatcher, and the host with it.</summary>
    private void GiveBackUnused(int taken, int used)
    {
        if (taken > used)
        {
            this.slots.Release(taken - used);
        }
    }

    /// <summary>Deletes the message once its work is done (or at once when there was none); frees the work's slot.</summary>
    private async Task SettleAsync(string queue, DoorbellHandler.Handled handled)
    {
        try
        {
            bool saved = true;
            if (handled.Work is { } work)
            {
                saved = await work;
                this.slots.Release();
            }

            if (handled.Verdict == DoorbellVerdict.Busy)
            {
                await storage.UpdateMessageAsync(queue, handled.Message, TimeSpan.FromSeconds(1), newText: null, CancellationToken.None);
            }
            else if (saved)
            {
                // Unsaved work keeps its message: the lease expires, the item is rung again, and this message
                // shows again later and finds the item done or held.
                await storage.DeleteMessageAsync(queue, handled.Message, CancellationToken.None);
            }
        }
        catch (QueueStorageException exception)
        {
            LogSettleFailed(logger, handled.Message.Id, queue, exception);
        }
    }

    public override void Dispose()
    {
        this.slots.Dispose();
        base.Dispose();
    }

    [LoggerMessage(EventId = EventIds.LimitedLeasingFailed, Level = LogLevel.Warning, Message = "Leasing limited work failed; trying again")]
    private static partial void LogLimitedLeaseFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = EventIds.DoorbellReceiveFailed, Level = LogLevel.Warning, Message = "Receiving doorbells from {Queue} failed; trying again")]
    private static partial void LogReceiveFailed(ILogger logger, string queue, Exception exception);

    [LoggerMessage(EventId = EventIds.DoorbellSettleFailed, Level = LogLevel.Warning, Message = "Could not delete or update doorbell {MessageId} on {Queue}; it shows again later and is found done")]
    private static partial void LogSettleFailed(ILogger logger, string messageId, string queue, Exception exception);
}
