using System.Net;
using TaskFlow.AzureQueues;
using TaskFlow.Testing;
using Xunit;

namespace TaskFlow.Core.Tests.AzureQueues;

/// <summary>The Azure Storage SDK adapter against a real Azurite.</summary>
public sealed class AzureStorageQueuesTests(AzuriteQueues azurite) : IClassFixture<AzuriteQueues>
{
    private readonly IQueueStorage queues = azurite.Client;

    [Fact]
    public async Task Put_get_update_delete_and_count_round_trip()
    {
        string queue = $"{azurite.Prefix}-roundtrip";
        await this.queues.CreateQueueIfMissingAsync(queue, default);
        await this.queues.CreateQueueIfMissingAsync(queue, default); // a second create is not an error

        QueueMessage put = await this.queues.PutMessageAsync(queue, "{\"w\":42} ünïcode", TimeSpan.Zero, TimeSpan.FromHours(1), default);
        await this.queues.PutMessageAsync(queue, "second", TimeSpan.Zero, null, default);
        Assert.Equal(2, await this.queues.GetApproximateMessageCountAsync(queue, default));

        IReadOnlyList<QueueMessage> peeked = await this.queues.PeekMessagesAsync(queue, 32, default);
        Assert.Equal(["{\"w\":42} ünïcode", "second"], peeked.Select(m => m.Text));
        Assert.All(peeked, m => Assert.Null(m.PopReceipt));

        IReadOnlyList<QueueMessage> received = await this.queues.GetMessagesAsync(queue, 1, TimeSpan.FromSeconds(30), default);
        QueueMessage first = Assert.Single(received);
        Assert.Equal(put.Id, first.Id);
        Assert.Equal("{\"w\":42} ünïcode", first.Text);
        Assert.Equal(1, first.DequeueCount);
        Assert.InRange(first.ExpiresAt - first.InsertedAt, TimeSpan.FromMinutes(59), TimeSpan.FromMinutes(61));

        // Hidden while received: the next receive gets only the second message.
        QueueMessage second = Assert.Single(await this.queues.GetMessagesAsync(queue, 32, TimeSpan.FromSeconds(30), default));
        Assert.Equal("second", second.Text);

        // Update makes it visible again at once with new text; the old pop receipt no longer deletes it.
        QueueMessage updated = await this.queues.UpdateMessageAsync(queue, first, TimeSpan.Zero, "changed", default);
        Assert.NotEqual(first.PopReceipt, updated.PopReceipt);
        Assert.False(await this.queues.DeleteMessageAsync(queue, first, default));
        QueueMessage again = Assert.Single(await this.queues.GetMessagesAsync(queue, 32, TimeSpan.FromSeconds(30), default));
        Assert.Equal(("changed", 2), (again.Text, again.DequeueCount));

        Assert.True(await this.queues.DeleteMessageAsync(queue, again, default));
        Assert.True(await this.queues.DeleteMessageAsync(queue, second, default));
        Assert.False(await this.queues.DeleteMessageAsync(queue, second, default));
        Assert.Equal(0, await this.queues.GetApproximateMessageCountAsync(queue, default));
        await this.queues.DeleteQueueIfExistsAsync(queue, default);
        await this.queues.DeleteQueueIfExistsAsync(queue, default); // a second delete is not an error
    }

    [Fact]
    public async Task A_message_put_with_a_delay_stays_hidden_until_then()
    {
        string queue = $"{azurite.Prefix}-delayed";
        await this.queues.CreateQueueIfMissingAsync(queue, default);
        QueueMessage put = await this.queues.PutMessageAsync(queue, "later", TimeSpan.FromSeconds(2), null, default);

        Assert.Empty(await this.queues.GetMessagesAsync(queue, 32, TimeSpan.FromSeconds(30), default));
        Assert.Equal(1, await this.queues.GetApproximateMessageCountAsync(queue, default));
        IReadOnlyList<QueueMessage> later = await Eventually.WaitForAsync(
            () => this.queues.GetMessagesAsync(queue, 32, TimeSpan.FromSeconds(30), default),
            received => received.Count > 0, TimeSpan.FromSeconds(10), "the delayed message");
        Assert.Equal(put.Id, Assert.Single(later).Id);
        await this.queues.DeleteQueueIfExistsAsync(queue, default);
    }

    [Fact]
    public async Task A_wrong_account_key_is_refused_with_an_error_that_says_to_check_the_key()
    {
        // Azurite's account with another (valid base64) key.
        string wrongKey = System.Text.RegularExpressions.Regex.Replace(azurite.ConnectionString, "AccountKey=[^;]+", "AccountKey=" + Convert.ToBase64String(new byte[64]));
        var wrong = new AzureStorageQueues(wrongKey);

        QueueStorageException refused = await Assert.ThrowsAsync<QueueStorageException>(
            () => wrong.CreateQueueIfMissingAsync($"{azurite.Prefix}-wrongkey", default));

        Assert.Equal(HttpStatusCode.Forbidden, refused.Status);
        Assert.Equal("AuthenticationFailed", refused.ErrorCode);
        Assert.Contains("Check AccountName and AccountKey", refused.Message);
    }

    [Fact]
    public void A_connection_string_the_SDK_cannot_read_is_refused_saying_what_to_give()
    {
        FormatException refused = Assert.Throws<FormatException>(() => new AzureStorageQueues("not a connection string"));

        Assert.Contains("UseDevelopmentStorage=true", refused.Message);
    }

    [Fact]
    public async Task A_missing_queue_is_named_in_the_error()
    {
        QueueStorageException refused = await Assert.ThrowsAsync<QueueStorageException>(
            () => this.queues.GetMessagesAsync($"{azurite.Prefix}-nosuchqueue", 1, TimeSpan.FromSeconds(1), default));

        Assert.Equal("QueueNotFound", refused.ErrorCode);
        Assert.Contains($"'{azurite.Prefix}-nosuchqueue'", refused.Message);
    }
}
