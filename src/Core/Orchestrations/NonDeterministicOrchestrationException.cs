namespace TaskFlow.Orchestrations;

/// <summary>The orchestrator code no longer does what its history says it did: the instance fails with this.</summary>
public sealed class NonDeterministicOrchestrationException(string message) : Exception(message)
{
    /// <summary>The error type recorded in history and shown on the task.</summary>
    public const string ErrorType = "NonDeterministicOrchestration";
}
