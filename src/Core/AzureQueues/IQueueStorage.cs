namespace TaskFlow.AzureQueues;

/// <summary>Azure Queue Storage, as TaskFlow uses it: named queues of short text messages that become
/// invisible while a receiver works on them and come back unless deleted.</summary>
/// <remarks>Implemented over the Azure Storage SDK by <see cref="AzureStorageQueues"/>; the interface keeps the doorbell
/// code to the few operations it needs.</remarks>
public interface IQueueStorage
{
    /// <summary>Creates the queue; does nothing if it exists.</summary>
    Task CreateQueueIfMissingAsync(string queue, CancellationToken cancellationToken);

    /// <summary>Deletes the queue and its messages; does nothing if it is not there.</summary>
    Task DeleteQueueIfExistsAsync(string queue, CancellationToken cancellationToken);

    /// <summary>Adds a message, hidden for <paramref name="visibilityDelay"/> (at most 7 days), kept for
    /// <paramref name="timeToLive"/> (null: the service's default of 7 days).</summary>
    Task<QueueMessage> PutMessageAsync(
        string queue, string text, TimeSpan visibilityDelay, TimeSpan? timeToLive, CancellationToken cancellationToken);

    /// <summary>Receives up to <paramref name="maxMessages"/> (1 to 32) visible messages and hides each for
    /// <paramref name="visibilityTimeout"/>; each receive counts in the message's dequeue count.</summary>
    Task<IReadOnlyList<QueueMessage>> GetMessagesAsync(
        string queue, int maxMessages, TimeSpan visibilityTimeout, CancellationToken cancellationToken);

    /// <summary>Reads up to <paramref name="maxMessages"/> visible messages without hiding them (no pop receipt).</summary>
    Task<IReadOnlyList<QueueMessage>> PeekMessagesAsync(string queue, int maxMessages, CancellationToken cancellationToken);

    /// <summary>Hides a received message for <paramref name="visibilityTimeout"/> from now, and replaces its
    /// text when <paramref name="newText"/> is given; returns the message with its new pop receipt.</summary>
    Task<QueueMessage> UpdateMessageAsync(
        string queue, QueueMessage message, TimeSpan visibilityTimeout, string? newText, CancellationToken cancellationToken);

    /// <summary>Deletes a received message; false when it was already gone (deleted by another receiver,
    /// or received again since, which changed its pop receipt).</summary>
    Task<bool> DeleteMessageAsync(string queue, QueueMessage message, CancellationToken cancellationToken);

    /// <summary>The service's approximate count of messages in the queue, hidden ones included.</summary>
    Task<int> GetApproximateMessageCountAsync(string queue, CancellationToken cancellationToken);
}
