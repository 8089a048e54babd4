using DurableTask.Core.Exceptions;

namespace TaskFlow.Instances;

/// <summary>A task was submitted with the id of an instance that has not finished (the API answers 409). It is the
/// Durable Task Framework's <see cref="OrchestrationAlreadyExistsException"/>, which the Durable Task SDK's own clients
/// throw in this case, so code that catches that runs unchanged.</summary>
public sealed class InstanceAlreadyRunningException(string instanceId, string status)
    : OrchestrationAlreadyExistsException($"Instance '{instanceId}' already exists and has not finished (status {status}). " +
        "Wait for it to finish (a finished instance with the id is replaced), cancel it, or choose another id.")
{
    /// <summary>The id that is taken.</summary>
    public string InstanceId { get; } = instanceId;
}
