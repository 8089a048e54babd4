using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using TaskFlow.Testing;

namespace TaskFlow.Server.Tests.Endpoints;

/// <summary>A batch answers with its tasks as written: new single-activity tasks come back from their insert,
/// orchestrations and idempotent repeats are read back. Both must say what a later GET says.</summary>
public sealed class BatchSubmitTests(PostgresDatabase database) : IClassFixture<PostgresDatabase>
{
    [Fact]
    public async Task PostBatch_MixedTasks_AnswersEachInOrderExactlyAsAGetWould()
    {
        // API only: no worker changes a task between the answer and the GETs.
        await using TaskFlowServer api = await TaskFlowServer.StartAsync(database.ConnectionString, role: "api");
        string first = """
            {"tasks":[
              {"type":"echo","input":{"n":1},"tags":{"customer":"42"},"priority":7},
              {"type":"echo","input":"later","delay":"PT1H","retry":{"maxAttempts":4}},
              {"type":"sequence","input":{"steps":2}},
              {"type":"echo","input":{"n":4},"idempotencyKey":"batch-key-1"}
            ]}
            """;
        (HttpStatusCode status, JsonElement answer, _) = await api.Client.PostJsonAsync("/api/tasks/batch", first);
        Assert.True(status == HttpStatusCode.Accepted, answer.ToString());
        JsonElement[] tasks = [.. answer.EnumerateArray()];
        Assert.Equal(["echo", "echo", "sequence", "echo"], tasks.Select(t => t.GetProperty("type").GetString()));
        Assert.Equal(["pending", "scheduled", "pending", "pending"], tasks.Select(t => t.GetProperty("status").GetString()));
        Assert.Equal(4, tasks[1].GetProperty("maxAttempts").GetInt32());
        foreach (JsonElement task in tasks)
        {
            Assert.Equal(Comparable(await api.Client.GetJsonAsync($"/api/tasks/{task.GetProperty("id").GetString()}")), Comparable(task));
        }

        // The same key again, beside a new task: the earlier task comes back, read from the database.
        (status, JsonElement again, _) = await api.Client.PostJsonAsync(
            "/api/tasks/batch", """{"tasks":[{"type":"echo","input":{"n":5}},{"type":"echo","input":{"n":4},"idempotencyKey":"batch-key-1"}]}""");
        Assert.True(status == HttpStatusCode.Accepted, again.ToString());
        Assert.NotEqual(tasks[3].GetProperty("id").GetString(), again[0].GetProperty("id").GetString());
        Assert.Equal(Comparable(tasks[3]), Comparable(again[1]));
    }

    /// <summary>The task without the activity counts, which only a GET of an orchestration adds.</summary>
    private static string Comparable(JsonElement task)
    {
        JsonObject json = JsonNode.Parse(task.GetRawText())!.AsObject();
        json.Remove("activities");
        return json.ToJsonString();
    }
}
