using System.Net;
using TaskFlow.Security;
using TaskFlow.Testing;

namespace TaskFlow.Server.Tests.Security;

/// <summary>A token bucket per caller, and the lockout of a client address after repeated failed authentication.</summary>
public sealed class RateLimitAndLockoutTests(PostgresDatabase database) : IClassFixture<PostgresDatabase>
{
    [Fact]
    public async Task ABurstOverTheKeysRate_Gets429WithARetryAfter_ThatWhenHonouredLetsItThrough()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2030-06-01T12:00:00Z"));
        await using TaskFlowServer server = await TaskFlowServer.StartAsync(database.ConnectionString, "api", time);
        string key = (await server.Service<ApiKeyStore>().CreateAsync("slow", [Roles.Viewer], 60, null, "tests")).Secret;
        using HttpClient client = server.ClientWith(key);

        // A minute's worth at once (the bucket's size), then one more: refused.
        HttpStatusCode[] burst = await Task.WhenAll(Enumerable.Range(0, 60).Select(async _ => (await client.GetAsync("/api/tasks/counts")).StatusCode));
        HttpResponseMessage refused = await client.GetAsync("/api/tasks/counts");

        Assert.All(burst, status => Assert.Equal(HttpStatusCode.OK, status));
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        Assert.Equal(TimeSpan.FromSeconds(1), refused.Headers.RetryAfter!.Delta); // 60 a minute: a token a second

        // Other callers are not held back meanwhile.
        HttpResponseMessage other = await server.Client.GetAsync("/api/tasks/counts");
        Assert.True(other.StatusCode == HttpStatusCode.OK, await other.Content.ReadAsStringAsync());

        // Just before the wait is over, still refused; once it is, one request's worth gets through, and no more.
        time.Advance(TimeSpan.FromMilliseconds(900));
        Assert.Equal(HttpStatusCode.TooManyRequests, (await client.GetAsync("/api/tasks/counts")).StatusCode);
        time.Advance(TimeSpan.FromMilliseconds(100));
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/tasks/counts")).StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await client.GetAsync("/api/tasks/counts")).StatusCode);

        // A quiet minute refills the whole burst.
        time.Advance(TimeSpan.FromMinutes(1));
        HttpStatusCode[] again = await Task.WhenAll(Enumerable.Range(0, 60).Select(async _ => (await client.GetAsync("/api/tasks/counts")).StatusCode));
        Assert.All(again, status => Assert.Equal(HttpStatusCode.OK, status));
        Assert.Equal(HttpStatusCode.TooManyRequests, (await client.GetAsync("/api/tasks/counts")).StatusCode);
    }

    [Fact]
    public async Task RepeatedWrongKeys_LockTheAddressOut_EvenForAValidKey_UntilTheLockoutEnds()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2030-06-01T12:00:00Z"));
        await using TaskFlowServer server = await TaskFlowServer.StartAsync(
            database.ConnectionString, "api", time,
            "--TaskFlow:Auth:Lockout:MaxFailures=3", "--TaskFlow:Auth:Lockout:Duration=00:00:02");
        using HttpClient guesser = server.ClientWith("tfk_aaaaaaaaaaaa_guess");

        for (int attempt = 0; attempt < 3; attempt++)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await guesser.GetAsync("/api/tasks/counts")).StatusCode);
        }

        HttpResponseMessage locked = await server.Client.GetAsync("/api/tasks/counts");
        Assert.Equal(HttpStatusCode.TooManyRequests, locked.StatusCode);
        Assert.Contains("locked out", await locked.Content.ReadAsStringAsync());
        Assert.NotNull(locked.Headers.RetryAfter);

        time.Advance(TimeSpan.FromSeconds(1.9));
        Assert.Equal(HttpStatusCode.TooManyRequests, (await server.Client.GetAsync("/api/tasks/counts")).StatusCode);
        time.Advance(TimeSpan.FromSeconds(0.1));
        Assert.Equal(HttpStatusCode.OK, (await server.Client.GetAsync("/api/tasks/counts")).StatusCode);
    }
}
