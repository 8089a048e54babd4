using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using TaskFlow.Api.Admission;
using TaskFlow.Testing;

namespace TaskFlow.Server.Tests.Admission;

/// <summary>With the ready backlog at <c>TaskFlow:Admission:MaxReadyBacklog</c> (the last count plus what the process
/// admitted since), submissions are refused with 429 and Retry-After, accept nothing, and are taken again once the
/// workers have caught up and a count has seen it.</summary>
public sealed class BacklogLimitTests(PostgresDatabase database) : IClassFixture<PostgresDatabase>
{
    private const string Echo = """{"type":"echo","input":1}""";

    [Fact]
    public async Task Submissions_WhileTheReadyBacklogIsAtItsLimit_AreRefusedWith429UntilWorkersCatchUp()
    {
        // An API with no worker beside it: what it accepts stays ready. The test counts the backlog itself (the
        // interval is an hour), so what it sees does not depend on when the loop runs.
        await using TaskFlowServer api = await TaskFlowServer.StartAsync(database.ConnectionString, role: "api", time: null,
            "--TaskFlow:Admission:MaxReadyBacklog=3", "--TaskFlow:Admission:BacklogCheckInterval=01:00:00");
        var backlog = api.Service<ReadyBacklog>();
        for (int i = 0; i < 3; i++)
        {
            await api.Client.SubmitAsync(Echo);
        }

        // No count since: the three this process admitted are enough to refuse the fourth.
        (HttpStatusCode status, JsonElement problem, HttpResponseMessage response) = await api.Client.PostJsonAsync("/api/tasks", Echo);
        Assert.Equal(HttpStatusCode.TooManyRequests, status);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("Backlog full", problem.GetProperty("title").GetString());
        Assert.Contains("TaskFlow:Admission:MaxReadyBacklog", problem.GetProperty("detail").GetString());
        Assert.Equal(TimeSpan.FromHours(1), response.Headers.RetryAfter?.Delta);
        (HttpStatusCode batchStatus, _, HttpResponseMessage batchResponse) =
            await api.Client.PostJsonAsync("/api/tasks/batch", $$"""{"tasks":[{{Echo}},{{Echo}}]}""");
        Assert.Equal(HttpStatusCode.TooManyRequests, batchStatus);
        Assert.NotNull(batchResponse.Headers.RetryAfter);
        Assert.Equal(3L, await database.ScalarAsync<long>("SELECT count(*) FROM taskflow.instances"));
        Match refusals = Regex.Match(await api.Client.GetStringAsync("/metrics"), """taskflow_submissions_refused_total\{[^}]*reason="backlog"[^}]*\} (\d+)""");
        Assert.True(refusals.Success && int.Parse(refusals.Groups[1].Value, CultureInfo.InvariantCulture) >= 2, "the refusals are counted by reason");

        // Bad input is still told what is wrong: admission is decided after the request is read and checked.
        (HttpStatusCode invalid, _, _) = await api.Client.PostJsonAsync("/api/tasks", """{"type":"no-such-type"}""");
        Assert.Equal(HttpStatusCode.BadRequest, invalid);

        await using (TaskFlowServer worker = await TaskFlowServer.StartAsync(database.ConnectionString)) // API and worker: its worker runs the backlog
        {
            await Eventually.WaitForAsync(
                () => database.ScalarAsync<long>("SELECT count(*) FROM taskflow.instances WHERE status = 'succeeded'"),
                completed => completed == 3, TimeSpan.FromSeconds(30), "the worker to run the backlog");
        }

        await backlog.RefreshAsync(CancellationToken.None);
        await api.Client.SubmitAsync(Echo);
        Assert.Equal(4L, await database.ScalarAsync<long>("SELECT count(*) FROM taskflow.instances"));
    }
}
