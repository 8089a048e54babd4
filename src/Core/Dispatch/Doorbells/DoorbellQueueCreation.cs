using Microsoft.Extensions.Hosting;
using TaskFlow.AzureQueues;

namespace TaskFlow.Dispatch.Doorbells;

/// <summary>Creates the doorbell and poison queues at start-up, before anything receives or rings; a wrong
/// key or an unreachable service stops start-up with the storage error rather than failing every task.</summary>
internal sealed class DoorbellQueueCreation(DoorbellQueues queues, IQueueStorage storage) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => queues.CreateAsync(storage, cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
