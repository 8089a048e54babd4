namespace TaskFlow.Instances;

/// <summary>A task was submitted with the id of an instance that has not finished (the API answers 409).</summary>
public sealed class InstanceAlreadyRunningException(string instanceId, string status)
    : InvalidOperationException($"Instance '{instanceId}' already exists and has not finished (status {status}). " +
        "Wait for it to finish (a finished instance with the id is replaced), cancel it, or choose another id.")
{
    /// <summary>The id that is taken.</summary>
    public string InstanceId { get; } = instanceId;
}
