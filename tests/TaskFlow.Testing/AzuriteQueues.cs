using TaskFlow.AzureQueues;

namespace TaskFlow.Testing;

/// <summary>The Azurite queue service ./test.sh started (TASKFLOW_TEST_AZURITE, a storage connection string),
/// with a queue-name prefix of its own per test class so classes never see each other's messages.</summary>
public sealed class AzuriteQueues : IDisposable
{
    private readonly HttpClient http = new() { Timeout = TimeSpan.FromSeconds(30) };

    public AzuriteQueues()
    {
        this.ConnectionString = Environment.GetEnvironmentVariable("TASKFLOW_TEST_AZURITE") is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException(
                "No Azurite: run ./test.sh (it starts one), or set TASKFLOW_TEST_AZURITE to the storage connection string of a running Azurite.");
        this.Client = new AzureQueueRestClient(this.http, QueueConnection.Parse(this.ConnectionString), TimeProvider.System);
    }

    public string ConnectionString { get; }

    /// <summary>A prefix no other test class uses: lower-case letters and digits, as queue names need.</summary>
    public string Prefix { get; } = $"t{Guid.NewGuid():N}"[..12];

    public IQueueStorage Client { get; }

    public void Dispose() => this.http.Dispose();
}
