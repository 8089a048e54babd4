using System.Net;

namespace TaskFlow.AzureQueues;

/// <summary>The queue service refused a request, or could not be reached after the retries.</summary>
public sealed class QueueStorageException(HttpStatusCode? status, string? errorCode, string message, Exception? inner = null)
    : Exception(message, inner)
{
    /// <summary>The HTTP status, or null when no answer came.</summary>
    public HttpStatusCode? Status { get; } = status;

    /// <summary>The service's error code, e.g. <c>AuthenticationFailed</c> or <c>QueueNotFound</c>.</summary>
    public string? ErrorCode { get; } = errorCode;
}
