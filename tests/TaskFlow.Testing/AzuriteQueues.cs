using TaskFlow.AzureQueues;
using Xunit;

namespace TaskFlow.Testing;

/// <summary>The Azurite queue service ./test.sh started (TASKFLOW_TEST_AZURITE, a storage connection string),
/// with queue-name prefixes of its own per test class so classes never see each other's messages. The
/// queues TaskFlow made under those prefixes are deleted afterwards: Azurite slows down as messages pile up.</summary>
public sealed class AzuriteQueues : IAsyncLifetime
{
    private static readonly string[] QueueSuffixes = ["activity", "orchestration", "timer", "activity-poison", "orchestration-poison", "timer-poison"];
    private readonly List<string> prefixes = [];

    public AzuriteQueues()
    {
        this.ConnectionString = Environment.GetEnvironmentVariable("TASKFLOW_TEST_AZURITE") is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException(
                "No Azurite: run ./test.sh (it starts one), or set TASKFLOW_TEST_AZURITE to the storage connection string of a running Azurite.");
        this.Client = new AzureStorageQueues(this.ConnectionString);
        this.Prefix = this.NewPrefix();
    }

    public string ConnectionString { get; }

    /// <summary>This class's first prefix: lower-case letters and digits, as queue names need.</summary>
    public string Prefix { get; }

    public IQueueStorage Client { get; }

    /// <summary>Another prefix of this class's own, for a test that needs empty queues.</summary>
    public string NewPrefix()
    {
        string prefix = $"t{Guid.NewGuid():N}"[..12];
        this.prefixes.Add(prefix);
        return prefix;
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (string queue in this.prefixes.SelectMany(prefix => QueueSuffixes.Select(suffix => $"{prefix}-{suffix}")))
        {
            await this.Client.DeleteQueueIfExistsAsync(queue, default);
        }
    }
}
