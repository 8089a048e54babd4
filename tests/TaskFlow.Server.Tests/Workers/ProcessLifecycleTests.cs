using System.Text.Json;
using TaskFlow.Testing;

namespace TaskFlow.Server.Tests.Workers;

/// <summary>How a worker process starts and stops: refusing bad configuration, and shutting down gracefully.</summary>
public sealed class ProcessLifecycleTests(PostgresDatabase database) : IClassFixture<PostgresDatabase>
{
    [Fact]
    public async Task Start_WithoutConnectionString_ExitsSayingWhatToSet()
    {
        await using WorkerProcess worker = WorkerProcess.Start(connectionString: string.Empty);

        Assert.Equal(1, await worker.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains("No PostgreSQL connection string: set ConnectionStrings:TaskFlow (environment variable ConnectionStrings__TaskFlow)", worker.Output);
    }

    [Fact]
    public async Task Start_WithUnreachableDatabase_ExitsNamingTheServerAndTheSetting()
    {
        await using WorkerProcess worker = WorkerProcess.Start("Host=127.0.0.1;Port=1;Database=taskflow;Username=postgres;Timeout=3");

        Assert.Equal(1, await worker.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains("Cannot reach PostgreSQL at 127.0.0.1:1", worker.Output);
        Assert.Contains("Check ConnectionStrings:TaskFlow", worker.Output);
    }

    [Fact]
    public async Task Sigterm_WithALongActivityRunning_ReleasesItWithoutCountingTheAttempt()
    {
        await using TaskFlowServer api = await TaskFlowServer.StartAsync(database.ConnectionString, role: "api");
        await using WorkerProcess worker = WorkerProcess.Start(database.ConnectionString);
        string id = (await api.Client.SubmitAsync("""{"type":"sleep","input":{"ms":600000}}""")).GetProperty("id").GetString()!;
        await api.Client.WaitForStatusAsync(id, "running");

        // The grace period is 2 s (TaskFlowServer.FastWorkerSettings); the sleep would take 10 minutes.
        Assert.Equal(0, await worker.TerminateAsync(TimeSpan.FromSeconds(20)));

        JsonElement task = await api.Client.GetJsonAsync($"/api/tasks/{id}");
        Assert.Equal("pending", task.GetProperty("status").GetString());
        Assert.Equal(0, task.GetProperty("attempt").GetInt32());
        Assert.Equal(["Submitted", "ExecutionStarted", "TaskScheduled"], await api.Client.HistoryTypesAsync(id));
        Assert.Equal(1L, await database.ScalarAsync<long>("SELECT count(*) FROM taskflow.workers WHERE stopped_at IS NOT NULL"));
    }
}
