namespace TaskFlow.Workers;

/// <summary>This process's worker id: recorded as lease owner and as the actor of the history it writes.</summary>
internal sealed class WorkerIdentity
{
    public string Id { get; } = $"{Environment.MachineName}/{Environment.ProcessId}/{Guid.NewGuid().ToString("N")[..6]}";

    public string Role { get; init; } = "all";
}
