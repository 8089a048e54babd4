using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TaskFlow.Activities;
using TaskFlow.AzureQueues;
using TaskFlow.Leases;
using TaskFlow.Logging;
using TaskFlow.WorkItems;
using TaskFlow.Workers;

namespace TaskFlow.Dispatch.Doorbells;

/// <summary>Answers doorbells, whether this worker received them (<see cref="QueueDispatcher"/>) or an
/// Azure Functions queue trigger delivered them: leases the ready work items they name, starts their work,
/// and says for each message what should become of it.</summary>
internal sealed partial class DoorbellHandler(
    WorkItemLeases leases,
    WorkItemQueue workItems,
    DoorbellStore store,
    IQueueStorage storage,
    WorkItemRunner runner,
    WorkerIdentity identity,
    IOptions<QueueDispatchOptions> options,
    TimeProvider time,
    ILogger<DoorbellHandler> logger)
{
    /// <summary>One message's verdict; <paramref name="Work"/> is the started work (true once its outcome is saved).</summary>
    public sealed record Handled(QueueMessage Message, DoorbellVerdict Verdict, Task<bool>? Work = null);

    public async Task<IReadOnlyList<Handled>> HandleAsync(string queue, IReadOnlyList<QueueMessage> messages, CancellationToken cancellationToken)
    {
        var handled = new List<Handled>(messages.Count);
        var doorbells = new List<(QueueMessage Message, Doorbell Doorbell)>(messages.Count);
        foreach (QueueMessage message in messages)
        {
            Doorbell? doorbell = Doorbell.TryParse(message.Text);
            if (doorbell is null || message.DequeueCount > options.Value.MaxDequeueCount)
            {
                await this.PoisonAsync(queue, message, doorbell, cancellationToken);
                handled.Add(new Handled(message, DoorbellVerdict.Poisoned));
            }
            else
            {
                doorbells.Add((message, doorbell));
            }
        }

        if (doorbells.Count == 0)
        {
            return handled;
        }

        long[] ids = doorbells.Select(d => d.Doorbell.WorkItemId).Distinct().ToArray();
        Dictionary<long, WorkItemLease> leased = (await leases.LeaseByIdsAsync(identity.Id, ids, cancellationToken))
            .ToDictionary(lease => lease.WorkItemId);
        long[] notLeased = ids.Where(id => !leased.ContainsKey(id)).ToArray();
        IReadOnlyDictionary<long, (bool Leased, DateTimeOffset VisibleAt)> states = notLeased.Length > 0
            ? await store.StatesAsync(notLeased, cancellationToken)
            : new Dictionary<long, (bool, DateTimeOffset)>();

        var notDue = new List<long>();
        var toStart = new List<(QueueMessage Message, WorkItemLease Lease)>();
        foreach ((QueueMessage message, Doorbell doorbell) in doorbells)
        {
            long id = doorbell.WorkItemId;
            if (leased.Remove(id, out WorkItemLease? lease))
            {
                toStart.Add((message, lease));
            }
            else if (!states.TryGetValue(id, out (bool Leased, DateTimeOffset VisibleAt) state))
            {
                // Finished, purged, or leased here by a duplicate doorbell in this same batch.
                handled.Add(new Handled(message, DoorbellVerdict.Gone));
            }
            else if (state.Leased)
            {
                handled.Add(new Handled(message, DoorbellVerdict.HeldElsewhere));
            }
            else if (state.VisibleAt > time.GetUtcNow())
            {
                notDue.Add(id);
                handled.Add(new Handled(message, DoorbellVerdict.NotDue));
            }
            else
            {
                handled.Add(new Handled(message, DoorbellVerdict.Busy));
            }
        }

        // Last, so that nothing above can fail after work has started.
        await store.ForgetAsync(notDue, cancellationToken);
        handled.AddRange(toStart.Select(start => new Handled(start.Message, DoorbellVerdict.Started, runner.Start(start.Lease))));
        return handled;
    }

    /// <summary>Copies the message to the poison queue and fails its work item, if this worker can lease it,
    /// with the reason in its history.</summary>
    private async Task PoisonAsync(string queue, QueueMessage message, Doorbell? doorbell, CancellationToken cancellationToken)
    {
        string poisonQueue = DoorbellQueues.PoisonQueueOf(queue);
        await storage.PutMessageAsync(poisonQueue, message.Text, TimeSpan.Zero, timeToLive: null, cancellationToken);
        LogPoisoned(logger, message.Id, queue, message.DequeueCount, poisonQueue);
        if (doorbell is null)
        {
            return;
        }

        foreach (WorkItemLease lease in await leases.LeaseByIdsAsync(identity.Id, [doorbell.WorkItemId], cancellationToken))
        {
            var failure = new FailureDetails(
                "TaskFlow.PoisonMessage",
                $"The doorbell for work item {lease.WorkItemId} (message {message.Id} on queue '{queue}') was received {message.DequeueCount} times, " +
                $"more than TaskFlow:Dispatch:MaxDequeueCount ({options.Value.MaxDequeueCount}), without its work finishing; it was moved to '{poisonQueue}'.",
                NonRetryable: true);
            await workItems.RecordFailedAttemptAsync(lease, failure, identity.Id, onlyIfExpired: false, Random.Shared.NextDouble(), cancellationToken);
        }
    }

    [LoggerMessage(EventId = EventIds.DoorbellPoisoned, Level = LogLevel.Warning, Message = "Doorbell {MessageId} on {Queue} received {DequeueCount} times or unreadable; moved to {PoisonQueue}")]
    private static partial void LogPoisoned(ILogger logger, string messageId, string queue, int dequeueCount, string poisonQueue);
}
