using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Npgsql;
using TaskFlow.Api.Admission;
using TaskFlow.Testing;

namespace TaskFlow.Server.Tests.Admission;

/// <summary>When PostgreSQL holds every submission slot, a submission waits in a short, bounded queue and no longer
/// than <c>TaskFlow:Admission:MaxQueueWait</c>: then, or at once when the queue is full, it is refused with 503 and
/// Retry-After and accepts nothing. The slot's holder finishes normally.</summary>
public sealed class SubmissionSlotTests(PostgresDatabase database) : IClassFixture<PostgresDatabase>
{
    [Fact]
    public async Task Submissions_WhileTheDatabaseHoldsEverySlot_WaitBoundedThenAre503()
    {
        await using TaskFlowServer api = await TaskFlowServer.StartAsync(database.ConnectionString, role: "api", time: null,
            "--TaskFlow:Admission:MaxConcurrentSubmissions=1", "--TaskFlow:Admission:MaxQueuedSubmissions=1", "--TaskFlow:Admission:MaxQueueWait=00:00:01.5");

        // A slow database, made real: a lock that makes every insert into instances wait.
        await using NpgsqlConnection blocker = await database.DataSource.OpenConnectionAsync();
        await using NpgsqlTransaction transaction = await blocker.BeginTransactionAsync();
        await using (var command = new NpgsqlCommand("LOCK TABLE taskflow.instances IN EXCLUSIVE MODE", blocker, transaction))
        {
            await command.ExecuteNonQueryAsync();
        }

        Task<(HttpStatusCode Status, JsonElement Body, HttpResponseMessage Response)> holder =
            api.Client.PostJsonAsync("/api/tasks", """{"type":"echo","input":"holds the slot"}""");
        await Eventually.WaitForAsync(
            () => database.ScalarAsync<long>("SELECT count(*) FROM pg_locks WHERE relation = 'taskflow.instances'::regclass AND NOT granted"),
            waiting => waiting == 1, TimeSpan.FromSeconds(10), "the first submission to wait for the lock");

        var clock = Stopwatch.StartNew();
        Task<(HttpStatusCode Status, JsonElement Body, HttpResponseMessage Response)> queued =
            api.Client.PostJsonAsync("/api/tasks", """{"type":"echo","input":"waits in the queue"}""");
        await Eventually.WaitForAsync(
            () => Task.FromResult(api.Service<SubmissionAdmission>().Waiting), waiting => waiting == 1, TimeSpan.FromSeconds(1), "the second submission to queue");
        (HttpStatusCode overflowStatus, JsonElement overflow, HttpResponseMessage overflowResponse) =
            await api.Client.PostJsonAsync("/api/tasks", """{"type":"echo","input":"finds the queue full"}""");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, overflowStatus);
        Assert.Contains("TaskFlow:Admission:MaxQueuedSubmissions", overflow.GetProperty("detail").GetString());
        Assert.Equal(TimeSpan.FromSeconds(1), overflowResponse.Headers.RetryAfter?.Delta);

        (HttpStatusCode queuedStatus, JsonElement waited, HttpResponseMessage queuedResponse) = await queued;
        Assert.Equal(HttpStatusCode.ServiceUnavailable, queuedStatus);
        Assert.Equal("Overloaded", waited.GetProperty("title").GetString());
        Assert.Contains("TaskFlow:Admission:MaxQueueWait", waited.GetProperty("detail").GetString());
        Assert.NotNull(queuedResponse.Headers.RetryAfter);
        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(1.4), TimeSpan.FromSeconds(6));
        Assert.False(holder.IsCompleted, "the slot's holder is still waiting for the database");

        await transaction.RollbackAsync();
        Assert.Equal(HttpStatusCode.Accepted, (await holder).Status);
        Assert.Equal(
            ["holds the slot"],
            await database.ColumnAsync("SELECT input #>> '{}' FROM taskflow.instances"));
    }

    /// <summary>A 503 that admission did not decide (here every pooled connection held) says when to come back too.</summary>
    [Fact]
    public async Task AnyOther503_CarriesRetryAfter()
    {
        string onePool = new NpgsqlConnectionStringBuilder(database.ConnectionString) { MaxPoolSize = 1, Timeout = 1 }.ToString();
        await using TaskFlowServer api = await TaskFlowServer.StartAsync(onePool, role: "api", time: null, "--TaskFlow:Admission:MaxReadyBacklog=0");
        await using NpgsqlConnection held = await api.Service<NpgsqlDataSource>().OpenConnectionAsync();

        HttpResponseMessage response = await api.Client.GetAsync("/api/tasks/anything");

        Assert.True(response.StatusCode == HttpStatusCode.ServiceUnavailable, await response.Content.ReadAsStringAsync());
        Assert.Equal(TimeSpan.FromSeconds(1), response.Headers.RetryAfter?.Delta);
    }

    [Fact]
    public async Task Start_WithNoSubmissionSlots_IsRefusedNamingTheSetting()
    {
        Exception refused = await Assert.ThrowsAnyAsync<Exception>(() =>
            TaskFlowServer.StartAsync(database.ConnectionString, role: "api", time: null, "--TaskFlow:Admission:MaxConcurrentSubmissions=0"));
        Assert.Contains("TaskFlow:Admission:MaxConcurrentSubmissions must be at least 1", refused.ToString());
    }
}
