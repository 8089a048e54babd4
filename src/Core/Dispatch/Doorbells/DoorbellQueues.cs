using Microsoft.Extensions.Options;
using TaskFlow.AzureQueues;
using TaskFlow.WorkItems;

namespace TaskFlow.Dispatch.Doorbells;

/// <summary>The queue names: one per work kind, so an Azure Functions app can scale each kind on its own
/// backlog, and a <c>-poison</c> queue beside each.</summary>
internal sealed class DoorbellQueues(IOptions<QueueDispatchOptions> options)
{
    public IReadOnlyList<string> All { get; } = WorkKinds.All.Select(kind => $"{options.Value.QueuePrefix}-{kind}").ToArray();

    public string For(string kind) => $"{options.Value.QueuePrefix}-{kind}";

    public static string PoisonQueueOf(string queue) => $"{queue}-poison";

    /// <summary>Creates every queue and poison queue that is missing.</summary>
    public async Task CreateAsync(IQueueStorage storage, CancellationToken cancellationToken)
    {
        foreach (string queue in this.All)
        {
            await storage.CreateQueueIfMissingAsync(queue, cancellationToken);
            await storage.CreateQueueIfMissingAsync(PoisonQueueOf(queue), cancellationToken);
        }
    }
}
