using TaskFlow.Parity.Tests.Backends;
using TaskFlow.Testing;

namespace TaskFlow.Parity.Tests;

/// <summary>Both backends, started once for the suite, with the same registrations and the same JSON.</summary>
public sealed class ParityFixture : IAsyncLifetime
{
    private readonly PostgresDatabase database = new();

    public IReadOnlyList<IDurableBackend> Backends { get; private set; } = [];

    public async Task InitializeAsync()
    {
        await this.database.InitializeAsync();
        Task<TaskFlowBackend> taskFlow = TaskFlowBackend.StartAsync(ParityTasks.Register, this.database.ConnectionString);
        Task<ReferenceBackend> reference = ReferenceBackend.StartAsync(ParityTasks.Register, TaskFlowJson.Options);
        this.Backends = [await taskFlow, await reference];
    }

    public async Task DisposeAsync()
    {
        foreach (IDurableBackend backend in this.Backends)
        {
            await backend.DisposeAsync();
        }

        await this.database.DisposeAsync();
    }
}
