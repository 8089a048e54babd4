using TaskFlow.Json;
using TaskFlow.Parity.Tests.Backends;
using TaskFlow.Testing;

namespace TaskFlow.Parity.Tests;

/// <summary>The backends, started once for the suite, with the same registrations and the same JSON.</summary>
public sealed class ParityFixture : IAsyncLifetime
{
    private readonly PostgresDatabase database = new();
    private readonly PostgresDatabase providerDatabase = new();

    public IReadOnlyList<IDurableBackend> Backends { get; private set; } = [];

    public async Task InitializeAsync()
    {
        await Task.WhenAll(this.database.InitializeAsync(), this.providerDatabase.InitializeAsync());
        Task<TaskFlowBackend> taskFlow = TaskFlowBackend.StartAsync(ParityTasks.Register, this.database.ConnectionString);
        Task<ProviderBackend> provider = ProviderBackend.StartAsync(RegisterWithBuiltIns, TaskFlowJson.Data, this.providerDatabase.ConnectionString);
        Task<ReferenceBackend> reference = ReferenceBackend.StartAsync(RegisterWithBuiltIns, TaskFlowJson.Data);

        // The reference last: every other backend is compared with it.
        this.Backends = [await taskFlow, await provider, await reference];
    }

    private static void RegisterWithBuiltIns(Microsoft.DurableTask.DurableTaskRegistry registry)
    {
        ParityTasks.Register(registry);
        ParityTasks.RegisterTaskFlowBuiltIns(registry);
    }

    public async Task DisposeAsync()
    {
        foreach (IDurableBackend backend in this.Backends)
        {
            await backend.DisposeAsync();
        }

        await this.database.DisposeAsync();
        await this.providerDatabase.DisposeAsync();
    }
}
