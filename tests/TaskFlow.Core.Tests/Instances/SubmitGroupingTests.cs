using Npgsql;
using TaskFlow.Database;
using TaskFlow.Instances;
using TaskFlow.Testing;

namespace TaskFlow.Core.Tests.Instances;

/// <summary>Single submits made at the same time share transactions, yet each call answers for itself: its own
/// task, its own idempotency conflict, its own bad input.</summary>
public sealed class SubmitGroupingTests(PostgresDatabase database) : IClassFixture<PostgresDatabase>
{
    [Fact]
    public async Task ScheduleNewTaskAsync_ManyAtOnce_ShareCommitsAndEachGetsItsOwnTask()
    {
        TaskFlowClient client = this.Client();
        const int Calls = 300;

        (TaskRecord Task, bool Created)[] answers = await Task.WhenAll(Enumerable.Range(0, Calls).Select(i =>
            client.ScheduleNewTaskAsync(TestTasks.Submission(type: "grouped", inputJson: $"{{\"call\":{i}}}"), $"caller-{i % 3}")));

        for (int i = 0; i < Calls; i++)
        {
            Assert.True(answers[i].Created);
            Assert.Equal($"{{\"call\": {i}}}", answers[i].Task.InputJson);
            Assert.Equal($"caller-{i % 3}", answers[i].Task.CreatedBy);
        }

        // Each caller's history names it, though callers shared statements' transactions.
        Assert.Equal(Calls, await database.ScalarAsync<long>("""
            SELECT count(*) FROM taskflow.task_history h JOIN taskflow.instances i ON i.id = h.instance_id
            WHERE i.name = 'grouped' AND h.event_type = 'Submitted' AND h.actor = 'caller-' || ((i.input ->> 'call')::int % 3)
            """));
        long commits = await database.ScalarAsync<long>("SELECT count(DISTINCT xmin::text) FROM taskflow.instances WHERE name = 'grouped'");
        Assert.True(commits <= Calls / 5, $"{Calls} submits at once took {commits} commits.");
    }

    [Fact]
    public async Task ScheduleNewTaskAsync_AConflictingKeyAmongOthers_FailsOnlyItsOwnCall()
    {
        TaskFlowClient client = this.Client();
        TaskSubmission original = TestTasks.Submission(inputJson: "1", idempotencyKey: "grouping-key");
        TaskRecord existing = (await client.ScheduleNewTaskAsync(original, "test")).Task;

        Task<(TaskRecord Task, bool Created)>[] others = [.. Enumerable.Range(0, 50).Select(_ => client.ScheduleNewTaskAsync(TestTasks.Submission(), "test"))];
        Task<(TaskRecord Task, bool Created)> conflicting = client.ScheduleNewTaskAsync(TestTasks.Submission(inputJson: "2", idempotencyKey: "grouping-key"), "test");
        Task<(TaskRecord Task, bool Created)> repeated = client.ScheduleNewTaskAsync(original, "test");

        IdempotencyConflictException conflict = await Assert.ThrowsAsync<IdempotencyConflictException>(() => conflicting);
        Assert.Equal(existing.Id, conflict.ExistingTaskId);
        Assert.Equal((existing.Id, false), ((await repeated).Task.Id, (await repeated).Created));
        Assert.All(await Task.WhenAll(others), answer => Assert.True(answer.Created));
    }

    [Fact]
    public async Task ScheduleNewTaskAsync_ABadSubmissionAmongOthers_FailsOnlyItsOwnCall()
    {
        TaskFlowClient client = this.Client();

        Task<(TaskRecord Task, bool Created)>[] good = [.. Enumerable.Range(0, 50).Select(i => client.ScheduleNewTaskAsync(TestTasks.Submission(type: "beside-bad", inputJson: $"{i}"), "test"))];
        Task<(TaskRecord Task, bool Created)> bad = client.ScheduleNewTaskAsync(TestTasks.Submission(type: "beside-bad", inputJson: "{not json"), "test");
        Task<(TaskRecord Task, bool Created)>[] moreGood = [.. Enumerable.Range(50, 50).Select(i => client.ScheduleNewTaskAsync(TestTasks.Submission(type: "beside-bad", inputJson: $"{i}"), "test"))];

        PostgresException rejected = await Assert.ThrowsAsync<PostgresException>(() => bad);
        Assert.Equal(PostgresErrorCodes.InvalidTextRepresentation, rejected.SqlState);
        Assert.All(await Task.WhenAll([.. good, .. moreGood]), answer => Assert.True(answer.Created));
        Assert.Equal(100L, await database.ScalarAsync<long>("SELECT count(*) FROM taskflow.instances WHERE name = 'beside-bad'"));
    }

    /// <summary>New tasks of one caller, with no chosen id or idempotency key, are written without a transaction of their
    /// own: their statements (the single-activity tasks', then each orchestration's) go in one batch, which PostgreSQL runs
    /// as one implicit transaction. So a statement that fails after another succeeded still leaves nothing written.</summary>
    [Fact]
    public async Task ScheduleNewTasksAsync_WhoseOrchestrationFailsAfterItsTasksWereWritten_WritesNothing()
    {
        TaskFlowClient client = this.Client();
        TaskSubmission[] submissions =
        [
            TestTasks.Submission(type: "before-bad-orchestration", inputJson: "1"),
            TestTasks.Submission(type: "before-bad-orchestration", inputJson: "2"),
            TestTasks.Submission(type: "bad-orchestration", inputJson: "{not json") with { IsOrchestration = true },
        ];

        PostgresException rejected = await Assert.ThrowsAsync<PostgresException>(() => client.ScheduleNewTasksAsync(submissions, "all-or-nothing"));

        Assert.Equal(PostgresErrorCodes.InvalidTextRepresentation, rejected.SqlState);
        Assert.Equal(0L, await database.ScalarAsync<long>("SELECT count(*) FROM taskflow.instances WHERE created_by = 'all-or-nothing'"));
        Assert.Equal(0L, await database.ScalarAsync<long>("SELECT count(*) FROM taskflow.work_items WHERE name = 'before-bad-orchestration'"));
        Assert.Equal(2, (await client.ScheduleNewTasksAsync(submissions[..2], "all-or-nothing")).Count(answer => answer.Created));
    }

    private TaskFlowClient Client() => new(database.DataSource, new SqlClock(TimeProvider.System));
}
