using Azure;
using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;

namespace TaskFlow.AzureQueues;

/// <summary><see cref="IQueueStorage"/> over the Azure Storage SDK (<c>Azure.Storage.Queues</c>): its retries
/// (exponential, a few attempts) and connection strings (an account key, a SAS, or <c>UseDevelopmentStorage=true</c> for
/// Azurite). A retried send can leave a duplicate message, which is why TaskFlow's messages only ring a doorbell and
/// carry no state. Message text is sent as it is (no base64): only TaskFlow reads these queues.</summary>
public sealed class AzureStorageQueues : IQueueStorage
{
    private readonly QueueServiceClient service;

    /// <exception cref="FormatException">The connection string is not one the SDK reads; the message says what to give.</exception>
    public AzureStorageQueues(string connectionString)
    {
        var options = new QueueClientOptions { MessageEncoding = QueueMessageEncoding.None };
        options.Retry.NetworkTimeout = TimeSpan.FromSeconds(30);
        try
        {
            this.service = new QueueServiceClient(connectionString, options);
        }
        catch (Exception exception) when (exception is FormatException or ArgumentException or InvalidOperationException)
        {
            throw new FormatException(
                "The storage connection string is not usable: give 'AccountName=…;AccountKey=…' (with EndpointSuffix or QueueEndpoint), " +
                $"a SAS connection string, or 'UseDevelopmentStorage=true' for Azurite ({exception.Message})", exception);
        }
    }

    /// <inheritdoc/>
    public Task CreateQueueIfMissingAsync(string queue, CancellationToken cancellationToken) =>
        Call($"create queue '{queue}'", () => this.service.GetQueueClient(queue).CreateIfNotExistsAsync(cancellationToken: cancellationToken));

    /// <inheritdoc/>
    public Task DeleteQueueIfExistsAsync(string queue, CancellationToken cancellationToken) =>
        Call($"delete queue '{queue}'", () => this.service.GetQueueClient(queue).DeleteIfExistsAsync(cancellationToken));

    /// <inheritdoc/>
    public Task<QueueMessage> PutMessageAsync(string queue, string text, TimeSpan visibilityDelay, TimeSpan? timeToLive, CancellationToken cancellationToken) =>
        Call($"put a message on '{queue}'", async () =>
        {
            SendReceipt sent = await this.service.GetQueueClient(queue).SendMessageAsync(text, visibilityDelay, timeToLive, cancellationToken);
            return new QueueMessage(sent.MessageId, sent.PopReceipt, text, 0, sent.InsertionTime, sent.ExpirationTime, sent.TimeNextVisible);
        });

    /// <inheritdoc/>
    public Task<IReadOnlyList<QueueMessage>> GetMessagesAsync(string queue, int maxMessages, TimeSpan visibilityTimeout, CancellationToken cancellationToken) =>
        Call<IReadOnlyList<QueueMessage>>($"receive messages from '{queue}'", async () =>
        {
            Azure.Storage.Queues.Models.QueueMessage[] received = (await this.service.GetQueueClient(queue).ReceiveMessagesAsync(maxMessages, visibilityTimeout, cancellationToken)).Value;
            return received.Select(m => new QueueMessage(
                m.MessageId, m.PopReceipt, m.Body.ToString(), (int)m.DequeueCount,
                m.InsertedOn ?? DateTimeOffset.MinValue, m.ExpiresOn ?? DateTimeOffset.MaxValue, m.NextVisibleOn)).ToList();
        });

    /// <inheritdoc/>
    public Task<IReadOnlyList<QueueMessage>> PeekMessagesAsync(string queue, int maxMessages, CancellationToken cancellationToken) =>
        Call<IReadOnlyList<QueueMessage>>($"peek at '{queue}'", async () =>
        {
            PeekedMessage[] peeked = (await this.service.GetQueueClient(queue).PeekMessagesAsync(maxMessages, cancellationToken)).Value;
            return peeked.Select(m => new QueueMessage(
                m.MessageId, null, m.Body.ToString(), (int)m.DequeueCount,
                m.InsertedOn ?? DateTimeOffset.MinValue, m.ExpiresOn ?? DateTimeOffset.MaxValue, null)).ToList();
        });

    /// <inheritdoc/>
    public Task<QueueMessage> UpdateMessageAsync(string queue, QueueMessage message, TimeSpan visibilityTimeout, string? newText, CancellationToken cancellationToken) =>
        Call($"update a message on '{queue}'", async () =>
        {
            UpdateReceipt updated = await this.service.GetQueueClient(queue).UpdateMessageAsync(
                message.Id, message.PopReceipt, newText, visibilityTimeout, cancellationToken);
            return message with { PopReceipt = updated.PopReceipt, Text = newText ?? message.Text, NextVisibleAt = updated.NextVisibleOn };
        });

    /// <inheritdoc/>
    public async Task<bool> DeleteMessageAsync(string queue, QueueMessage message, CancellationToken cancellationToken)
    {
        try
        {
            await Call($"delete a message from '{queue}'", () => this.service.GetQueueClient(queue).DeleteMessageAsync(message.Id, message.PopReceipt, cancellationToken));
            return true;
        }
        catch (QueueStorageException gone) when (gone.ErrorCode is "MessageNotFound" or "PopReceiptMismatch")
        {
            return false;
        }
    }

    /// <inheritdoc/>
    public Task<int> GetApproximateMessageCountAsync(string queue, CancellationToken cancellationToken) =>
        Call($"count the messages on '{queue}'", async () =>
            (await this.service.GetQueueClient(queue).GetPropertiesAsync(cancellationToken)).Value.ApproximateMessagesCount);

    /// <summary>Runs a call, turning the service's refusal into a <see cref="QueueStorageException"/> that says what to fix.</summary>
    private static async Task<T> Call<T>(string what, Func<Task<T>> call)
    {
        try
        {
            return await call();
        }
        catch (RequestFailedException refused)
        {
            string hint = refused.ErrorCode switch
            {
                "AuthenticationFailed" => " Check AccountName and AccountKey in the storage connection string (the key must be the account's current access key).",
                "QueueNotFound" => " The queue does not exist; TaskFlow creates its queues at start-up, so check the queue name prefix.",
                _ => string.Empty,
            };
            string detail = refused.Message.Split('\n')[0].Trim();
            throw new QueueStorageException(
                refused.Status == 0 ? null : (System.Net.HttpStatusCode)refused.Status, refused.ErrorCode,
                $"Azure Queue Storage refused to {what}: {refused.Status} {refused.ErrorCode}. {detail}{hint}".TrimEnd(), refused);
        }
    }
}
