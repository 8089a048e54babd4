using System.Net;
using System.Text.Json;
using TaskFlow.Testing;

namespace TaskFlow.Server.Tests.Endpoints;

public sealed class BadInputTests(PostgresDatabase database) : IClassFixture<PostgresDatabase>, IAsyncLifetime
{
    private TaskFlowServer server = null!;

    public async Task InitializeAsync() => this.server = await TaskFlowServer.StartAsync(
        database.ConnectionString, "api", time: null, "--TaskFlow:Api:MaxBodyBytes=4096");

    public async Task DisposeAsync() => await this.server.DisposeAsync();

    [Theory]
    [InlineData("""{"type":"echo",""", "body", "not valid JSON")]
    [InlineData("""[1,2]""", "body", "must be a JSON object")]
    [InlineData("""{"input":1}""", "type", "Required")]
    [InlineData("""{"type":42}""", "type", "non-empty string")]
    [InlineData("""{"type":"ecoh"}""", "type", "Did you mean 'echo'?")]
    [InlineData("""{"type":"echo","prioity":3}""", "prioity", "Did you mean 'priority'?")]
    [InlineData("""{"type":"echo","priority":10}""", "priority", "from 0 to 9")]
    [InlineData("""{"type":"echo","priority":"high"}""", "priority", "whole number")]
    [InlineData("""{"type":"echo","priority":1.5}""", "priority", "whole number")]
    [InlineData("""{"type":"echo","delay":"10 minutes"}""", "delay", "ISO 8601 duration")]
    [InlineData("""{"type":"echo","delay":"P1M"}""", "delay", "ISO 8601 duration")]
    [InlineData("""{"type":"echo","runAt":"2030-01-01T00:00:00"}""", "runAt", "with an offset")]
    [InlineData("""{"type":"echo","runAt":"2030-01-01T00:00:00Z","delay":"PT1M"}""", "delay", "not both")]
    [InlineData("""{"type":"echo","timeout":"PT0S"}""", "timeout", "Must be from")]
    [InlineData("""{"type":"echo","retry":{"maxAttempts":0}}""", "retry.maxAttempts", "from 1 to 100")]
    [InlineData("""{"type":"echo","retry":{"maxAttempts":3,"backof":2}}""", "retry.backof", "Did you mean 'backoffCoefficient'?")]
    [InlineData("""{"type":"echo","retry":{"initialInterval":"PT1M","maxInterval":"PT1S"}}""", "retry.maxInterval", "not be shorter")]
    [InlineData("""{"type":"echo","tags":{"a":1}}""", "tags.a", "values strings")]
    [InlineData("""{"type":"echo","idempotencyKey":""}""", "idempotencyKey", "1 to 256 characters")]
    [InlineData("""{"type":"sleep","input":{"ms":"long"}}""", "input", "cannot read this input")]
    [InlineData("""{"type":"echo","input":{"text":"a\u0000b"}}""", "input.text", "U+0000")]
    [InlineData("""{"type":"echo","input":{"text":"a\ud800b"}}""", "input.text", "surrogate without its pair")]
    [InlineData("""{"type":"echo","input":{"\udfff":1}}""", "input", "surrogate without its pair")]
    [InlineData("""{"type":"echo","type":"sleep"}""", "type", "named more than once")]
    [InlineData("""{"type":"echo","input":{"a":1,"a":2}}""", "input.a", "named more than once")]
    [InlineData("""{"type":"http","input":{"url":"file:///etc/passwd"}}""", "input", "absolute http or https URL")]
    [InlineData("""{"type":"http","input":{"url":"gopher://example.com/"}}""", "input", "absolute http or https URL")]
    [InlineData("""{"type":"http","input":{"url":"http://127.0.0.1:8080/hook"}}""", "input", "loopback, private")]
    [InlineData("""{"type":"http","input":{"url":"http://2130706433/"}}""", "input", "loopback, private")]
    [InlineData("""{"type":"http","input":{"url":"http://0x7f000001/"}}""", "input", "loopback, private")]
    [InlineData("""{"type":"http","input":{"url":"http://0177.0.0.1/"}}""", "input", "loopback, private")]
    [InlineData("""{"type":"http","input":{"url":"http://127.1/"}}""", "input", "loopback, private")]
    [InlineData("""{"type":"http","input":{"url":"http://[::1]/"}}""", "input", "loopback, private")]
    [InlineData("""{"type":"http","input":{"url":"http://[::ffff:127.0.0.1]/"}}""", "input", "loopback, private")]
    [InlineData("""{"type":"http","input":{"url":"http://[::ffff:a9fe:a9fe]/latest/meta-data"}}""", "input", "loopback, private")]
    [InlineData("""{"type":"http","input":{"url":"http://169.254.169.254/latest/meta-data"}}""", "input", "loopback, private")]
    [InlineData("""{"type":"http","input":{"url":"https://10.1.2.3/"}}""", "input", "loopback, private")]
    [InlineData("""{"type":"http","input":{"url":"http://192.168.0.1/"}}""", "input", "loopback, private")]
    [InlineData("""{"type":"http","input":{"url":"http://[fd00::1]/"}}""", "input", "loopback, private")]
    [InlineData("""{"type":"http","input":{"url":"http://[fe80::1]/"}}""", "input", "loopback, private")]
    [InlineData("""{"type":"http","input":{"url":"http://0.0.0.0/"}}""", "input", "loopback, private")]
    [InlineData("""{"type":"http","input":{"url":"http://[::]/"}}""", "input", "loopback, private")]
    [InlineData("""{"type":"http","input":{"url":"http://localhost:8080/"}}""", "input", "loopback, private")]
    [InlineData("""{"type":"http","input":{"url":"http://api.localhost/"}}""", "input", "loopback, private")]
    public async Task PostTask_WithBadInput_Answers400NamingTheFieldAndChangesNothing(string body, string field, string message)
    {
        long rowsBefore = await this.CountRowsAsync();

        (HttpStatusCode status, JsonElement problem, HttpResponseMessage response) = await this.server.Client.PostJsonAsync("/api/tasks", body);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out JsonElement messages), $"No error for '{field}' in {problem}");
        Assert.Contains(message, messages[0].GetString());
        Assert.Equal(rowsBefore, await this.CountRowsAsync());
    }

    [Fact]
    public async Task PostTask_BodyThatIsNotUtf8_Answers400NamingTheBodyAndChangesNothing()
    {
        long rowsBefore = await this.CountRowsAsync();
        byte[] latin1 = [.. "{\"type\":\"echo\",\"input\":\"caf"u8, 0xE9, .. "\"}"u8];
        using var content = new ByteArrayContent(latin1);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");

        using HttpResponseMessage response = await this.server.Client.PostAsync("/api/tasks", content);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        JsonElement problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Contains("not valid UTF-8 (byte 28)", problem.GetProperty("errors").GetProperty("body")[0].GetString());
        Assert.Equal(rowsBefore, await this.CountRowsAsync());
    }

    [Fact]
    public async Task PostTask_NotJson_Answers415()
    {
        (HttpStatusCode status, JsonElement problem, _) = await this.server.Client.PostJsonAsync("/api/tasks", "type=echo", "text/plain");
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, status);
        Assert.Contains("application/json", problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task PostTask_OversizedBody_Answers413AndChangesNothing()
    {
        long rowsBefore = await this.CountRowsAsync();
        string big = $$"""{"type":"echo","input":"{{new string('x', 5000)}}"}""";

        (HttpStatusCode status, JsonElement problem, _) = await this.server.Client.PostJsonAsync("/api/tasks", big);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, status);
        Assert.Contains("4,096 bytes", problem.GetProperty("detail").GetString());
        Assert.Equal(rowsBefore, await this.CountRowsAsync());
    }

    [Fact]
    public async Task PostBatch_WithOneBadTask_AcceptsNoneAndNamesTheItem()
    {
        long rowsBefore = await this.CountRowsAsync();

        (HttpStatusCode status, JsonElement problem, _) = await this.server.Client.PostJsonAsync(
            "/api/tasks/batch", """{"tasks":[{"type":"echo"},{"type":"echo","priority":99}]}""");

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.True(problem.GetProperty("errors").TryGetProperty("tasks[1].priority", out _), problem.ToString());
        Assert.Equal(rowsBefore, await this.CountRowsAsync());
    }

    [Theory]
    [InlineData("/api/tasks/not%20an%20id", HttpStatusCode.BadRequest)]
    [InlineData("/api/tasks/not-a-known-id", HttpStatusCode.NotFound)]
    [InlineData("/api/tasks/0193f1c2-7a4b-7c8d-9e0f-123456789abc", HttpStatusCode.NotFound)]
    [InlineData("/api/tasks?status=done", HttpStatusCode.BadRequest)]
    [InlineData("/api/tasks?limit=0", HttpStatusCode.BadRequest)]
    [InlineData("/api/tasks?cursor=garbage", HttpStatusCode.BadRequest)]
    [InlineData("/api/tasks?stauts=failed", HttpStatusCode.BadRequest)]
    public async Task GetTask_WithBadIdOrFilter_AnswersProblemJson(string path, HttpStatusCode expected)
    {
        HttpResponseMessage response = await this.server.Client.GetAsync(path);
        Assert.Equal(expected, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task PostTask_SameIdempotencyKeyTwice_ReturnsTheSameTask_AndADifferentBodyGets422()
    {
        string key = Guid.NewGuid().ToString();
        JsonElement first = await this.server.Client.SubmitAsync($$"""{"type":"echo","input":{"n":1},"idempotencyKey":"{{key}}"}""");
        (HttpStatusCode againStatus, JsonElement again, HttpResponseMessage againResponse) = await this.server.Client.PostJsonAsync(
            "/api/tasks", """{"type":"echo","input":{"n":1}}""", idempotencyKey: key);

        Assert.Equal(HttpStatusCode.Accepted, againStatus);
        Assert.Equal(first.GetProperty("id").GetString(), again.GetProperty("id").GetString());
        Assert.Equal("true", againResponse.Headers.GetValues("Idempotent-Replayed").Single());
        long rowsAfterSame = await this.CountRowsAsync();

        (HttpStatusCode conflictStatus, JsonElement conflict, _) = await this.server.Client.PostJsonAsync(
            "/api/tasks", """{"type":"echo","input":{"n":2}}""", idempotencyKey: key);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, conflictStatus);
        Assert.Contains(first.GetProperty("id").GetString()!, conflict.GetProperty("detail").GetString());
        Assert.Equal(rowsAfterSame, await this.CountRowsAsync());
        Assert.Equal(1L, await database.ScalarAsync<long>("SELECT count(*) FROM taskflow.instances WHERE idempotency_key = @key", ("key", key)));
    }

    private Task<long> CountRowsAsync() => database.ScalarAsync<long>(
        "SELECT (SELECT count(*) FROM taskflow.instances) + (SELECT count(*) FROM taskflow.history) + (SELECT count(*) FROM taskflow.work_items)");
}
