using System.Text.Json;
using TaskFlow.Testing;

namespace TaskFlow.Server.Tests.Telemetry;

/// <summary>With <c>TaskFlow:Logging:Json</c>, a worker process writes one JSON object per line, and a line about a
/// task carries its task id, instance id, activity and attempt as scopes.</summary>
public sealed class JsonLogTests(PostgresDatabase database) : IClassFixture<PostgresDatabase>
{
    [Fact]
    public async Task AWorkersLineAboutAFailedAttempt_IsJson_WithTheTaskInItsScopes()
    {
        await using TaskFlowServer api = await TaskFlowServer.StartAsync(database.ConnectionString, role: "api");
        await using WorkerProcess worker = WorkerProcess.Start(database.ConnectionString, "--TaskFlow:Logging:Json=true", "--Logging:LogLevel:TaskFlow=Information");
        string id = (await api.Client.SubmitAsync("""{"type":"flaky","input":{"failures":5},"retry":{"maxAttempts":1}}""")).GetProperty("id").GetString()!;
        await api.Client.WaitForStatusAsync(id, "failed");

        string line = await Eventually.WaitForAsync(
            () => Task.FromResult(worker.Output.Split('\n').FirstOrDefault(l => l.Contains("\"EventId\":1404", StringComparison.Ordinal) && l.Contains(id, StringComparison.Ordinal)) ?? string.Empty),
            found => found.Length > 0, TimeSpan.FromSeconds(10), $"the failed attempt's log line. Output: {worker.Output}");

        using JsonDocument json = JsonDocument.Parse(line);
        Assert.Equal("Information", json.RootElement.GetProperty("LogLevel").GetString());
        JsonElement scope = json.RootElement.GetProperty("Scopes").EnumerateArray().Single(s => s.ValueKind == JsonValueKind.Object && s.TryGetProperty("TaskId", out _));
        Assert.Equal(id, scope.GetProperty("TaskId").GetString());
        Assert.Equal(id, scope.GetProperty("InstanceId").GetString());
        Assert.Equal("flaky", scope.GetProperty("Activity").GetString());
        Assert.Equal(1, scope.GetProperty("Attempt").GetInt32());
    }
}
