namespace TaskFlow.Testing;

/// <summary>The command-line settings that put a TaskFlow process in queue dispatch mode on a test's Azurite queues.</summary>
public static class AzuriteQueueSettings
{
    public static string[] For(AzuriteQueues azurite, params string[] more) =>
    [
        "--TaskFlow:Dispatch:Mode=azure-queue",
        $"--TaskFlow:Dispatch:QueueConnection={azurite.ConnectionString}",
        $"--TaskFlow:Dispatch:QueuePrefix={azurite.Prefix}",
        "--TaskFlow:Dispatch:RingInterval=00:00:00.100",
        "--TaskFlow:Dispatch:MaxReceiveInterval=00:00:00.250",
        .. more,
    ];
}
