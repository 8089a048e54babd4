using System.Net;
using System.Text.Json;
using TaskFlow.Testing;

namespace TaskFlow.Server.Tests.Security;

/// <summary>An API key from creation to deletion, through the API, with two server processes on one database.</summary>
public sealed class KeyLifecycleTests(PostgresDatabase database) : IClassFixture<PostgresDatabase>
{
    [Fact]
    public async Task CreateUseRevokeDelete_RevocationHoldsAtOnceOnAnotherProcess_AndEveryStepIsAudited()
    {
        await using TaskFlowServer first = await TaskFlowServer.StartAsync(database.ConnectionString, "api");
        await using TaskFlowServer second = await TaskFlowServer.StartAsync(database.ConnectionString, "api");

        (HttpStatusCode created, JsonElement body, _) = await first.Client.PostJsonAsync("/api/keys", """{"name":"billing-service","roles":["submitter"]}""");
        Assert.Equal(HttpStatusCode.Created, created);
        string secret = body.GetProperty("secret").GetString()!;
        string id = body.GetProperty("key").GetProperty("id").GetString()!;
        Assert.StartsWith("tfk_", secret);

        // Used on either process; the task records the key as its actor.
        using HttpClient onFirst = first.ClientWith(secret);
        using HttpClient onSecond = second.ClientWith(secret);
        string task = (await onSecond.SubmitAsync("""{"type":"echo","input":"hi"}""")).GetProperty("id").GetString()!;
        Assert.Equal(id, await database.ScalarAsync<string>("SELECT actor FROM taskflow.task_history WHERE instance_id = @id AND event_type = 'Submitted'", ("id", task)));

        // Listed without its secret; the secret is nowhere in the database (only its hash is).
        string listed = await first.Client.GetStringAsync("/api/keys");
        Assert.Contains(id, listed);
        Assert.DoesNotContain(secret, listed);
        string randomPart = secret.Split('_', 3)[2];
        Assert.Equal(0L, await database.ScalarAsync<long>("""
            SELECT (SELECT count(*) FROM taskflow.api_keys k WHERE k::text LIKE '%' || @s || '%' OR encode(k.secret_hash, 'escape') LIKE '%' || @s || '%')
                 + (SELECT count(*) FROM taskflow.api_key_events e WHERE e::text LIKE '%' || @s || '%')
                 + (SELECT count(*) FROM taskflow.task_history h WHERE h::text LIKE '%' || @s || '%')
                 + (SELECT count(*) FROM taskflow.instances i WHERE i::text LIKE '%' || @s || '%')
            """, ("s", randomPart)));

        // Revoked through the first process: the second refuses it on the next request.
        Assert.Equal(HttpStatusCode.OK, (await first.Client.PostAsync($"/api/keys/{id}/revoke", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await onSecond.GetAsync($"/api/tasks/{task}")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await onFirst.GetAsync($"/api/tasks/{task}")).StatusCode);

        // Deleted for good; its audit trail stays.
        Assert.Equal(HttpStatusCode.NoContent, (await second.Client.DeleteAsync($"/api/keys/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await first.Client.GetAsync($"/api/keys/{id}")).StatusCode);
        IReadOnlyList<string> audit = await database.ColumnAsync(
            "SELECT event_type || ' by ' || actor FROM taskflow.api_key_events WHERE key_id = @id ORDER BY id", ("id", id));
        Assert.Equal([$"Created by {first.AdminKeyId}", $"Revoked by {first.AdminKeyId}", $"Deleted by {second.AdminKeyId}"], audit);
    }

    [Fact]
    public async Task AnActiveKey_CannotBeDeleted_AndABadRequestCreatesNothing()
    {
        await using TaskFlowServer server = await TaskFlowServer.StartAsync(database.ConnectionString, "api");
        (_, JsonElement body, _) = await server.Client.PostJsonAsync("/api/keys", """{"name":"still-used","roles":["viewer"]}""");
        string id = body.GetProperty("key").GetProperty("id").GetString()!;
        long keysBefore = await database.ScalarAsync<long>("SELECT count(*) FROM taskflow.api_keys");

        Assert.Equal(HttpStatusCode.Conflict, (await server.Client.DeleteAsync($"/api/keys/{id}")).StatusCode);
        (HttpStatusCode status, JsonElement problem, _) = await server.Client.PostJsonAsync("/api/keys", """{"name":"","roles":["superuser"],"expiresAt":"2001-01-01T00:00:00Z"}""");

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.True(problem.GetProperty("errors").TryGetProperty("roles", out _));
        Assert.True(problem.GetProperty("errors").TryGetProperty("name", out _));
        Assert.True(problem.GetProperty("errors").TryGetProperty("expiresAt", out _));
        Assert.Equal(keysBefore, await database.ScalarAsync<long>("SELECT count(*) FROM taskflow.api_keys"));
    }
}
