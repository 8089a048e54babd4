using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using TaskFlow.Activities;
using TaskFlow.Api.Endpoints;
using TaskFlow.Functions.Durable;
using TaskFlow.Instances;
using TaskFlow.Orchestrations;

namespace TaskFlow.Functions.Tests;

/// <summary>On Functions a single-activity task runs inside the <c>taskflow-activity</c> orchestration, whose retries
/// schedule its activity again: the activity still reads its attempt and its cancellation from TaskFlow, and the task
/// reads as its caller submitted it.</summary>
public sealed class ActivityAttemptTests(FunctionAppServicesFixture app) : IClassFixture<FunctionAppServicesFixture>
{
    [Fact]
    public async Task FlakyActivity_ReadsItsAttempt_FromHowOftenItsTaskScheduledIt()
    {
        string id = await this.SubmitActivityTaskAsync("flaky", """{"failures":1}""");
        TaskRunner runner = app.Services.GetRequiredService<TaskRunner>();

        await this.ScheduledAsync(id, times: 1);
        InvalidOperationException first = await Assert.ThrowsAsync<InvalidOperationException>(
            () => runner.RunActivityAsync("flaky", JsonDocument.Parse("""{"failures":1}""").RootElement, Invocations.Activity(id)));
        Assert.Contains("attempt 1", first.Message);

        await this.ScheduledAsync(id, times: 2);
        JsonElement? second = await runner.RunActivityAsync("flaky", JsonDocument.Parse("""{"failures":1}""").RootElement, Invocations.Activity(id));
        Assert.Equal(2, second!.Value.GetProperty("succeededOnAttempt").GetInt32());
    }

    [Fact]
    public async Task ActivityTask_ReadsAsSubmitted_WithItsTypeInputAttemptsAndRetryPolicy()
    {
        string id = await this.SubmitActivityTaskAsync("echo", """{"hello":"world"}""", maxAttempts: 4);
        await this.ScheduledAsync(id, times: 2);
        TaskFlowClient tasks = app.Services.GetRequiredService<TaskFlowClient>();
        TaskRecord stored = (await tasks.GetTaskAsync(id))!;
        Assert.Equal(ActivityTask.OrchestratorName, stored.Type);

        TaskJson shown = TaskJson.From(ActivityTask.AsSubmitted(stored, (await tasks.CountActivitiesAsync(id))!.Value.Scheduled));

        Assert.Equal("echo", shown.Type);
        Assert.Equal("activity", shown.Kind);
        Assert.Equal("world", shown.Input!.Value.GetProperty("hello").GetString());
        Assert.Equal(4, shown.MaxAttempts);
        Assert.Equal(2, shown.Attempt);
    }

    [Fact]
    public async Task CancellationToken_FiresWhenTheTaskIsCancelled()
    {
        string id = await this.SubmitActivityTaskAsync("sleep", """{"ms":60000}""");
        var cancelled = new TaskCompletionSource<CancellationToken>(TaskCreationOptions.RunContinuationsAsynchronously);
        TaskRunner runner = new(
            app.Services.GetRequiredService<OrchestratorRegistry>(),
            new ActivityRegistryProbe(cancelled).Registry(app.Services),
            app.Services.GetRequiredService<TaskFlowClient>(),
            TimeProvider.System);

        Task<JsonElement?> running = runner.RunActivityAsync("probe", null, Invocations.Activity(id));
        CancellationToken token = await cancelled.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.False(token.IsCancellationRequested);

        Assert.True(await app.Services.GetRequiredService<TaskFlowClient>().TerminateTaskAsync(id, "test", "no longer needed"));
        await running.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(token.IsCancellationRequested);
    }

    private async Task<string> SubmitActivityTaskAsync(string type, string inputJson, int maxAttempts = 3)
    {
        var submission = new TaskSubmission(
            type, inputJson, 5, null, null, new Retries.RetryPolicy { MaxAttempts = maxAttempts }, TimeSpan.FromMinutes(10), null,
            new Dictionary<string, string>(), RandomNumberGenerator.GetBytes(32));
        (TaskRecord task, _) = await app.Services.GetRequiredService<TaskFlowClient>().ScheduleNewTaskAsync(submission, "test");
        return task.Id;
    }

    /// <summary>The history the taskflow-activity orchestration leaves after scheduling its activity this often (what
    /// Durable's dispatcher commits through the provider; written directly here, since no Functions host runs).</summary>
    private async Task ScheduledAsync(string id, int times)
    {
        await using NpgsqlCommand command = app.Database.DataSource.CreateCommand("""
            INSERT INTO taskflow.history (instance_id, sequence, execution, event_type, task_id, payload, occurred_at, actor)
            SELECT @id, last.sequence + n, 1, 'TaskScheduled', last.scheduled + n, '{}', now(), 'test'
            FROM (SELECT max(sequence) AS sequence, count(*) FILTER (WHERE event_type = 'TaskScheduled') AS scheduled
                  FROM taskflow.history WHERE instance_id = @id) AS last,
                 generate_series(1, @times - last.scheduled) AS n
            """);
        command.Parameters.AddWithValue("id", id);
        command.Parameters.AddWithValue("times", (long)times);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>An activity that hands out its cancellation token and waits for it to fire.</summary>
    private sealed class ActivityRegistryProbe(TaskCompletionSource<CancellationToken> handedOut)
    {
        public ActivityRegistry Registry(IServiceProvider services) => new(
            new DurableTaskRegistry().AddActivityFunc<object?, string>("probe", async (context, _) =>
            {
                CancellationToken token = context.GetCancellationToken();
                handedOut.SetResult(token);
                await Task.Delay(Timeout.Infinite, token).ContinueWith(_ => { }, TaskScheduler.Default);
                return "stopped";
            }),
            services.GetRequiredService<DataConverter>(),
            services);
    }
}
