namespace TaskFlow.AzureQueues;

/// <summary>A queue message as the service returned it. <see cref="PopReceipt"/> is null for a peeked
/// message; it changes on every receive and update, and only the latest one deletes or updates.</summary>
public sealed record QueueMessage(
    string Id,
    string? PopReceipt,
    string Text,
    int DequeueCount,
    DateTimeOffset InsertedAt,
    DateTimeOffset ExpiresAt,
    DateTimeOffset? NextVisibleAt);
