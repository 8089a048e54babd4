using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using TaskFlow.Instances;
using TaskFlow.Orchestrations;
using TaskFlow.Testing;

namespace TaskFlow.Server.Tests.Orchestrations;

/// <summary>Single-activity tasks as the Function App starts them (<c>ActivityTasksAsOrchestrations</c>): inside the
/// built-in <c>taskflow-activity</c> orchestration, which applies the task's retry policy and time-out. Run here by
/// the server's worker; the Function App runs the same orchestrator class.</summary>
public sealed class ActivityTaskOrchestratorTests(PostgresDatabase database) : IClassFixture<PostgresDatabase>
{
    [Fact]
    public async Task ActivityTask_RunsInsideTheOrchestration_AndEndsWithTheActivitysOutput()
    {
        await using TaskFlowServer server = await TaskFlowServer.StartAsync(database.ConnectionString);
        string id = await this.SubmitAsync(server, "echo", "\"hello\"", new Retries.RetryPolicy());

        JsonElement done = await server.Client.WaitForStatusAsync(id, "succeeded", "failed");

        Assert.Equal("succeeded", done.GetProperty("status").GetString());
        Assert.Equal("hello", done.GetProperty("output").GetString());

        // It reads as submitted (the wrapper is how it runs, not what the caller asked for), with its one attempt.
        Assert.Equal("echo", done.GetProperty("type").GetString());
        Assert.Equal("activity", done.GetProperty("kind").GetString());
        Assert.Equal("hello", done.GetProperty("input").GetString());
        Assert.Equal(1, done.GetProperty("attempt").GetInt32());
        Assert.Equal(3, done.GetProperty("maxAttempts").GetInt32());
        TaskRecord stored = (await server.Host.Services.GetRequiredService<TaskFlowClient>().GetTaskAsync(id))!;
        Assert.Equal(ActivityTask.OrchestratorName, stored.Type);
    }

    [Fact]
    public async Task FailingActivity_IsRetriedByTheTasksPolicy_ThenFailsTheTaskWithItsError()
    {
        await using TaskFlowServer server = await TaskFlowServer.StartAsync(database.ConnectionString);
        var retry = new Retries.RetryPolicy { MaxAttempts = 3, InitialInterval = TimeSpan.FromMilliseconds(100), BackoffCoefficient = 1 };
        string id = await this.SubmitAsync(server, "flaky", """{"failures":5}""", retry);

        JsonElement done = await server.Client.WaitForStatusAsync(id, "succeeded", "failed");

        Assert.Equal("failed", done.GetProperty("status").GetString());
        Assert.Contains("fails on purpose", done.GetProperty("error").GetProperty("message").GetString());
        string[] history = await server.Client.HistoryTypesAsync(id);
        Assert.Equal(3, history.Count(type => type == "TaskScheduled"));
        Assert.Equal(3, history.Count(type => type == "TaskFailed"));
    }

    [Fact]
    public async Task ActivityOutlastingTheTimeout_FailsTheTaskWithATimeout()
    {
        await using TaskFlowServer server = await TaskFlowServer.StartAsync(database.ConnectionString);
        string id = await this.SubmitAsync(server, "sleep", """{"ms":5000}""", new Retries.RetryPolicy { MaxAttempts = 1 }, TimeSpan.FromMilliseconds(500));

        JsonElement done = await server.Client.WaitForStatusAsync(id, "succeeded", "failed");

        Assert.Equal("failed", done.GetProperty("status").GetString());
        Assert.Equal(typeof(TimeoutException).FullName, done.GetProperty("error").GetProperty("type").GetString());
    }

    private async Task<string> SubmitAsync(TaskFlowServer server, string type, string inputJson, Retries.RetryPolicy retry, TimeSpan? timeout = null)
    {
        IServiceProvider services = server.Host.Services;
        var client = new TaskFlowClient(
            services.GetRequiredService<Npgsql.NpgsqlDataSource>(), services.GetRequiredService<Database.SqlClock>(), services.GetRequiredService<OrchestratorRegistry>().Contains)
        {
            ActivityTasksAsOrchestrations = true,
        };
        var submission = new TaskSubmission(type, inputJson, 5, null, null, retry, timeout, null, new Dictionary<string, string>(), RandomNumberGenerator.GetBytes(32));
        (TaskRecord task, _) = await client.ScheduleNewTaskAsync(submission, "test");
        return task.Id;
    }
}
