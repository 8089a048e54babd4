using System.Net;
using System.Text.Json;
using TaskFlow.Testing;

namespace TaskFlow.Server.Tests.Endpoints;

/// <summary>Instance ids are strings a caller may choose (<c>id</c> on <c>POST /api/tasks</c>): a business key such
/// as <c>order-42</c>. An unfinished one cannot be started twice; a finished one is replaced, as in Durable Functions.</summary>
public sealed class InstanceIdTests(PostgresDatabase database) : IClassFixture<PostgresDatabase>, IAsyncLifetime
{
    private TaskFlowServer server = null!;

    private HttpClient Client => this.server.Client;

    public async Task InitializeAsync() => this.server = await TaskFlowServer.StartAsync(database.ConnectionString);

    public async Task DisposeAsync() => await this.server.DisposeAsync();

    [Fact]
    public async Task Submit_WithAChosenId_RunsUnderThatId()
    {
        (HttpStatusCode status, JsonElement task, HttpResponseMessage response) =
            await this.Client.PostJsonAsync("/api/tasks", """{"id":"order-42","type":"sequence","input":{"steps":2}}""");

        Assert.Equal(HttpStatusCode.Accepted, status);
        Assert.Equal("order-42", task.GetProperty("id").GetString());
        Assert.Equal("/api/tasks/order-42", response.Headers.Location?.OriginalString);
        JsonElement done = await this.Client.WaitForStatusAsync("order-42", "succeeded", "failed");
        Assert.Equal(2, done.GetProperty("output").GetInt32());
        Assert.Contains("ExecutionCompleted", await this.Client.HistoryTypesAsync("order-42"));
    }

    [Fact]
    public async Task Submit_OfAnIdStillRunning_Answers409NamingIt_AndChangesNothing()
    {
        await this.Client.PostJsonAsync("/api/tasks", """{"id":"invoice:2026-11:7","type":"approval"}""");

        (HttpStatusCode status, JsonElement problem, _) = await this.Client.PostJsonAsync("/api/tasks", """{"id":"invoice:2026-11:7","type":"sequence"}""");

        Assert.Equal(HttpStatusCode.Conflict, status);
        Assert.Contains("invoice:2026-11:7", problem.GetProperty("detail").GetString());
        Assert.Equal("approval", (await this.Client.GetJsonAsync("/api/tasks/invoice:2026-11:7")).GetProperty("type").GetString());
    }

    [Fact]
    public async Task Submit_OfAFinishedId_ReplacesTheFinishedInstance()
    {
        await this.Client.PostJsonAsync("/api/tasks", """{"id":"nightly.report","type":"echo","input":"first"}""");
        await this.Client.WaitForStatusAsync("nightly.report", "succeeded");

        (HttpStatusCode status, _, _) = await this.Client.PostJsonAsync("/api/tasks", """{"id":"nightly.report","type":"echo","input":"second"}""");

        Assert.Equal(HttpStatusCode.Accepted, status);
        JsonElement done = await this.Client.WaitForStatusAsync("nightly.report", "succeeded");
        Assert.Equal("second", done.GetProperty("output").GetString());
        Assert.Equal(1, (await this.Client.HistoryTypesAsync("nightly.report")).Count(type => type == "Submitted"));
    }

    [Theory]
    [InlineData("\"has space\"")]
    [InlineData("\"-starts-with-a-dash\"")]
    [InlineData("\"slash/inside\"")]
    [InlineData("42")]
    [InlineData("\"\"")]
    public async Task Submit_WithAnInvalidId_Answers400NamingTheField(string id)
    {
        (HttpStatusCode status, JsonElement problem, _) = await this.Client.PostJsonAsync("/api/tasks", $$"""{"id":{{id}},"type":"echo"}""");

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("letters, digits", problem.GetProperty("errors").GetProperty("id")[0].GetString());
    }

    [Fact]
    public async Task Submit_OfALongerThanAHundredCharacterId_Answers400()
    {
        (HttpStatusCode status, _, _) = await this.Client.PostJsonAsync("/api/tasks", $$"""{"id":"{{new string('a', 101)}}","type":"echo"}""");

        Assert.Equal(HttpStatusCode.BadRequest, status);
    }

    [Fact]
    public async Task Batch_WithTheSameIdTwice_Answers400AndAcceptsNothing()
    {
        (HttpStatusCode status, JsonElement problem, _) = await this.Client.PostJsonAsync(
            "/api/tasks/batch", """{"tasks":[{"id":"twice","type":"echo"},{"id":"twice","type":"echo"}]}""");

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.True(problem.GetProperty("errors").TryGetProperty("tasks[1].id", out _), problem.ToString());
        Assert.Equal(0L, await database.ScalarAsync<long>("SELECT count(*) FROM taskflow.instances WHERE id = 'twice'"));
    }

    [Fact]
    public async Task Get_OfAnIdThatIsNotValid_Answers400()
    {
        using HttpResponseMessage response = await this.Client.GetAsync("/api/tasks/not%20valid");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }
}
