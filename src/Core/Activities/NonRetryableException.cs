namespace TaskFlow.Activities;

/// <summary>Thrown by an activity to fail its task without further attempts (bad input, a 4xx answer, …).</summary>
public sealed class NonRetryableException(string message, Exception? innerException = null)
    : Exception(message, innerException);
