using Microsoft.Extensions.Hosting;
using TaskFlow.AzureQueues;

namespace TaskFlow.Dispatch.Doorbells;

/// <summary>Creates the doorbell and poison queues at start-up, before anything receives or rings; a wrong
/// key or an unreachable service stops start-up with the storage error rather than failing every task.</summary>
internal sealed class DoorbellQueueCreation(DoorbellQueues queues, IQueueStorage storage) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            await queues.CreateAsync(storage, cancellationToken);
        }
        catch (QueueStorageException exception)
        {
            // Start-up errors are the operator's to fix: reported without a stack trace (Program.cs).
            throw new InvalidOperationException($"Cannot create the dispatch queues. {exception.Message}", exception);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
