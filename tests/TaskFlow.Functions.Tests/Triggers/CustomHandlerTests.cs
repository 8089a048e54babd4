using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using TaskFlow.AzureQueues;
using TaskFlow.Testing;

namespace TaskFlow.Functions.Tests.Triggers;

/// <summary>The Azure Functions custom-handler contract, driven as the Functions host drives it: the port from
/// FUNCTIONS_CUSTOMHANDLER_PORT, GET /, and queue and timer invocations in the documented payload shapes.</summary>
public sealed class CustomHandlerTests(PostgresDatabase database, AzuriteQueues azurite)
    : IClassFixture<PostgresDatabase>, IClassFixture<AzuriteQueues>, IAsyncLifetime
{
    private readonly FakeTimeProvider time = new(DateTimeOffset.Parse("2030-06-01T12:00:00Z"));
    private readonly string prefix = azurite.NewPrefix();
    private readonly int port = FreePort();
    private TaskFlowServer handler = null!;

    private string ActivityQueue => $"{this.prefix}-activity";

    public async Task InitializeAsync()
    {
        // No --role: started with FUNCTIONS_CUSTOMHANDLER_PORT, TaskFlow takes the Functions role by itself.
        this.handler = await TaskFlowServer.StartAsync(
            database.ConnectionString, role: string.Empty, time: this.time,
            settings: [$"--FUNCTIONS_CUSTOMHANDLER_PORT={this.port}", $"--AzureWebJobsStorage={azurite.ConnectionString}", $"--TaskFlow:Dispatch:QueuePrefix={this.prefix}"]);
    }

    public async Task DisposeAsync() => await this.handler.DisposeAsync();

    [Fact]
    public async Task Listens_on_the_port_the_host_gives_and_answers_get_root()
    {
        Assert.Equal(this.port, this.handler.Client.BaseAddress!.Port);
        HttpResponseMessage root = await this.handler.Client.GetAsync("/");
        Assert.Equal(HttpStatusCode.OK, root.StatusCode);
    }

    [Fact]
    public async Task A_queue_invocation_runs_the_doorbells_work_and_answers_in_the_documented_shape()
    {
        // The API arrives as the host forwards it: the same path.
        string id = (await this.handler.Client.SubmitAsync("""{"type":"echo","input":{"hello":"functions"}}""")).GetProperty("id").GetString()!;
        QueueMessage message = await this.ReceiveDoorbellAsync(id);

        (HttpStatusCode status, JsonElement reply, _) = await this.handler.Client.PostJsonAsync("/ActivityDoorbell", QueueInvocation(message, "ActivityDoorbell"));

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(JsonValueKind.Object, reply.GetProperty("Outputs").ValueKind);
        Assert.Contains("Started", reply.GetProperty("Logs")[0].GetString());
        Assert.Equal(JsonValueKind.Null, reply.GetProperty("ReturnValue").ValueKind);
        JsonElement task = await this.handler.Client.GetJsonAsync($"/api/tasks/{id}");
        Assert.Equal("succeeded", task.GetProperty("status").GetString());
        Assert.Equal("functions", task.GetProperty("output").GetProperty("hello").GetString());

        // The host may deliver a message twice: the second finds the work done and changes nothing.
        (HttpStatusCode again, JsonElement secondReply, _) = await this.handler.Client.PostJsonAsync("/ActivityDoorbell", QueueInvocation(message, "ActivityDoorbell"));
        Assert.Equal(HttpStatusCode.OK, again);
        Assert.Contains("Gone", secondReply.GetProperty("Logs")[0].GetString());
        Assert.Equal(1, await database.ScalarAsync<long>(
            "SELECT count(*) FROM taskflow.task_history WHERE instance_id = @id AND event_type = 'TaskCompleted'", ("id", id)));
    }

    [Fact]
    public async Task A_queue_invocation_past_the_dequeue_limit_fails_the_task_and_poisons_the_message()
    {
        string id = (await this.handler.Client.SubmitAsync("""{"type":"echo","input":1}""")).GetProperty("id").GetString()!;
        QueueMessage message = await this.ReceiveDoorbellAsync(id);

        (HttpStatusCode status, _, _) = await this.handler.Client.PostJsonAsync("/ActivityDoorbell", QueueInvocation(message with { DequeueCount = 6 }, "ActivityDoorbell"));

        Assert.Equal(HttpStatusCode.OK, status);
        JsonElement task = await this.handler.Client.GetJsonAsync($"/api/tasks/{id}");
        Assert.Equal("failed", task.GetProperty("status").GetString());
        Assert.Equal("TaskFlow.PoisonMessage", task.GetProperty("error").GetProperty("type").GetString());
        Assert.Contains(await azurite.Client.PeekMessagesAsync($"{this.ActivityQueue}-poison", 32, default), m => m.Text.Contains(id));
    }

    [Fact]
    public async Task An_invocation_without_its_queue_message_is_a_failure_the_host_retries()
    {
        (HttpStatusCode status, JsonElement reply, _) = await this.handler.Client.PostJsonAsync("/ActivityDoorbell", """{"Data":{},"Metadata":{}}""");

        Assert.Equal(HttpStatusCode.InternalServerError, status);
        Assert.Contains("expected Data.doorbell", reply.GetProperty("Logs")[0].GetString());
    }

    [Fact]
    public async Task A_timer_invocation_fires_the_due_schedule_slot()
    {
        (HttpStatusCode created, JsonElement schedule, _) = await this.handler.Client.PostJsonAsync(
            "/api/schedules", """{"name":"every-minute","cron":"* * * * *","task":{"type":"echo","input":"tick"}}""");
        Assert.True(created == HttpStatusCode.Created, schedule.ToString());
        long before = await database.ScalarAsync<long>("SELECT count(*) FROM taskflow.instances");

        this.time.Advance(TimeSpan.FromSeconds(61));
        (HttpStatusCode status, JsonElement reply, _) = await this.handler.Client.PostJsonAsync("/Maintenance", $$"""
            {
              "Data": {
                "timer": {
                  "Schedule": { "AdjustForDST": true },
                  "ScheduleStatus": { "Last": "2030-06-01T12:00:50+00:00", "Next": "2030-06-01T12:01:00+00:00", "LastUpdated": "2030-06-01T12:00:50+00:00" },
                  "IsPastDue": false
                }
              },
              "Metadata": {
                "sys": { "MethodName": "Maintenance", "UtcNow": "{{this.time.GetUtcNow():O}}", "RandomGuid": "{{Guid.NewGuid()}}" }
              }
            }
            """);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains("Schedules handled: 1", reply.GetProperty("Logs")[0].GetString());
        Assert.Equal(before + 1, await database.ScalarAsync<long>("SELECT count(*) FROM taskflow.instances"));
    }

    /// <summary>Rings the doorbells (the Maintenance timer's job; the clock is fake, so the ringer's own
    /// interval never passes) and receives the one for <paramref name="id"/> as the host would.</summary>
    private async Task<QueueMessage> ReceiveDoorbellAsync(string id)
    {
        (HttpStatusCode rung, JsonElement reply, _) = await this.handler.Client.PostJsonAsync("/Maintenance", """{"Data":{"timer":{}},"Metadata":{}}""");
        Assert.True(rung == HttpStatusCode.OK, reply.ToString());
        IReadOnlyList<QueueMessage> received = await Eventually.WaitForAsync(
            () => azurite.Client.GetMessagesAsync(this.ActivityQueue, 32, TimeSpan.FromMinutes(1), default),
            messages => messages.Any(m => m.Text.Contains(id)), TimeSpan.FromSeconds(10), $"the doorbell of {id}");
        return received.Single(m => m.Text.Contains(id));
    }

    /// <summary>A queue-trigger request body in the shape of the custom-handler documentation's example.</summary>
    private static string QueueInvocation(QueueMessage message, string function) => JsonSerializer.Serialize(new
    {
        Data = new { doorbell = message.Text },
        Metadata = new
        {
            message.DequeueCount,
            ExpirationTime = message.ExpiresAt.ToString("O"),
            message.Id,
            InsertionTime = message.InsertedAt.ToString("O"),
            NextVisibleTime = message.NextVisibleAt?.ToString("O"),
            message.PopReceipt,
            sys = new { MethodName = function, UtcNow = DateTimeOffset.UtcNow.ToString("O"), RandomGuid = Guid.NewGuid() },
        },
    });

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
