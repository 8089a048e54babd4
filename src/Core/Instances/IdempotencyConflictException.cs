namespace TaskFlow.Instances;

/// <summary>An idempotency key was reused with a different request.</summary>
public sealed class IdempotencyConflictException(string idempotencyKey, string existingTaskId)
    : Exception($"Idempotency key '{idempotencyKey}' was already used for task {existingTaskId} with a different request. Use a new key for a different task, or resend the original request.")
{
    /// <summary>The key that was reused.</summary>
    public string IdempotencyKey { get; } = idempotencyKey;

    /// <summary>The task the key belongs to.</summary>
    public string ExistingTaskId { get; } = existingTaskId;
}
