using System.Net;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using TaskFlow.Security;
using TaskFlow.Testing;

namespace TaskFlow.Server.Tests.Security;

/// <summary>Every endpoint × every kind of caller: no credential and a wrong one get 401; a role the endpoint does not
/// admit gets 403 (whatever the target, so the answer does not tell what exists); an admitted role gets past the gate.</summary>
public sealed class RoleMatrixTests(PostgresDatabase database) : IClassFixture<PostgresDatabase>, IAsyncLifetime
{
    private const string ReadTasks = "viewer operator admin submitter";
    private const string Read = "viewer operator admin";
    private const string Submit = "submitter admin";
    private const string Operate = "operator admin";
    private const string Admin = "admin";
    private const string Anyone = "anonymous";
    private readonly Dictionary<string, string> keys = [];
    private TaskFlowServer server = null!;

    public static IReadOnlyList<(string Method, string Path, string? Body, string Admits)> Endpoints { get; } =
    [
        ("POST", "/api/tasks", """{"type":"echo","input":1}""", Submit),
        ("POST", "/api/tasks/batch", """{"tasks":[{"type":"echo","input":1}]}""", Submit),
        ("GET", "/api/tasks", null, ReadTasks),
        ("GET", "/api/tasks/counts", null, Read),
        ("GET", "/api/tasks/{task}", null, ReadTasks),
        ("GET", "/api/tasks/{task}/history", null, ReadTasks),
        ("POST", "/api/tasks/{task}/cancel", null, Operate),
        ("POST", "/api/tasks/{task}/retry", null, Operate),
        ("POST", "/api/tasks/{task}/suspend", null, Operate),
        ("POST", "/api/tasks/{task}/resume", null, Operate),
        ("POST", "/api/tasks/{task}/events/go", "{}", Operate),
        ("DELETE", "/api/tasks/{task}", null, Operate),
        ("POST", "/api/schedules", """{"name":"m-{n}","cron":"0 2 * * *","task":{"type":"echo"}}""", Operate),
        ("GET", "/api/schedules", null, Read),
        ("GET", "/api/schedules/nightly", null, Read),
        ("GET", "/api/schedules/nightly/history", null, Read),
        ("PUT", "/api/schedules/nightly", """{"cron":"0 3 * * *","task":{"type":"echo"}}""", Operate),
        ("POST", "/api/schedules/nightly/pause", null, Operate),
        ("POST", "/api/schedules/nightly/resume", null, Operate),
        ("POST", "/api/schedules/nightly/trigger", null, Operate),
        ("DELETE", "/api/schedules/gone-{n}", null, Operate),
        ("GET", "/api/dead-letter", null, Read),
        ("GET", "/api/entities", null, Read),
        ("GET", "/api/entities/counter/matrix", null, Read),
        ("POST", "/api/entities/counter/matrix-{n}/signals", """{"operation":"add","input":1}""", Submit),
        ("GET", "/api/limits", null, Read),
        ("GET", "/api/limits/changes", null, Read),
        ("PUT", "/api/limits/matrix-{n}", """{"maxConcurrent":5}""", Operate),
        ("PUT", "/api/limits/tags/matrix-{n}", """{"rate":{"perSecond":10}}""", Operate),
        ("DELETE", "/api/limits/gone-{n}", null, Operate),
        ("DELETE", "/api/limits/tags/gone-{n}", null, Operate),
        ("GET", "/api/workers", null, Read),
        ("GET", "/api/statuses", null, Read),
        ("POST", "/api/keys", """{"name":"k-{n}","roles":["viewer"]}""", Admin),
        ("GET", "/api/keys", null, Admin),
        ("GET", "/api/keys/{key}", null, Admin),
        ("POST", "/api/keys/key_000000000000/revoke", null, Admin),
        ("DELETE", "/api/keys/key_000000000000", null, Admin),
        ("GET", "/healthz", null, Anyone),
        ("GET", "/readyz", null, Anyone),
    ];

    public async Task InitializeAsync()
    {
        this.server = await TaskFlowServer.StartAsync(database.ConnectionString, "api", time: null, "--TaskFlow:Auth:Lockout:MaxFailures=100000");
        ApiKeyStore store = this.server.Service<ApiKeyStore>();
        foreach (string role in Roles.All)
        {
            this.keys[role] = (await store.CreateAsync($"matrix-{role}", [role], 1_000_000, null, "tests")).Secret;
        }
    }

    public async Task DisposeAsync() => await this.server.DisposeAsync();

    [Fact]
    public async Task EveryEndpoint_AnswersEachCaller_AsItsRolesAllow()
    {
        using HttpClient admin = this.server.ClientWith(this.keys[Roles.Admin]);
        string task = (await admin.SubmitAsync("""{"type":"sleep","input":{"ms":60000}}""")).GetProperty("id").GetString()!;
        await admin.PostJsonAsync("/api/schedules", """{"name":"nightly","cron":"0 2 * * *","task":{"type":"echo"}}""");
        string key = (await this.server.Service<ApiKeyStore>().ListAsync()).First().Id;
        string[] callers = ["no credential", "a wrong key", .. Roles.All];
        var wrong = new List<string>();
        int n = 0;

        foreach ((string method, string pathTemplate, string? body, string admits) in Endpoints)
        {
            foreach (string who in callers)
            {
                string path = pathTemplate.Replace("{task}", task).Replace("{key}", key).Replace("{n}", (++n).ToString());
                using HttpClient client = this.server.ClientWith(who == "no credential" ? null : this.keys.GetValueOrDefault(who, "tfk_000000000000_wrong"));
                using var request = new HttpRequestMessage(new HttpMethod(method), path)
                {
                    Content = body is null ? null : new StringContent(body.Replace("{n}", n.ToString()), Encoding.UTF8, "application/json"),
                };
                using HttpResponseMessage response = await client.SendAsync(request);

                HttpStatusCode status = response.StatusCode;
                bool admitted = admits == Anyone || (this.keys.ContainsKey(who) && admits.Split(' ').Contains(who));
                bool right = admits == Anyone ? status is not (HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
                    : this.keys.ContainsKey(who) ? (admitted ? status is not (HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden) : status == HttpStatusCode.Forbidden)
                    : status == HttpStatusCode.Unauthorized;
                if (!right)
                {
                    wrong.Add($"{method} {pathTemplate} as {who}: {(int)status}");
                }

                Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
                if (status is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
                {
                    Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
                }
            }
        }

        Assert.True(wrong.Count == 0, $"{wrong.Count} of {Endpoints.Count * callers.Length} answers were wrong:\n{string.Join("\n", wrong)}");
    }

    [Fact]
    public async Task ASubmitter_SeesOnlyItsOwnTasks_AndAnotherCallersTaskAnswersAsIfItDidNotExist()
    {
        using HttpClient admin = this.server.ClientWith(this.keys[Roles.Admin]);
        using HttpClient submitter = this.server.ClientWith(this.keys[Roles.Submitter]);
        string others = (await admin.SubmitAsync("""{"type":"echo","input":"admin's"}""")).GetProperty("id").GetString()!;
        string own = (await submitter.SubmitAsync("""{"type":"echo","input":"mine"}""")).GetProperty("id").GetString()!;

        Assert.Equal(HttpStatusCode.OK, (await submitter.GetAsync($"/api/tasks/{own}")).StatusCode);
        HttpResponseMessage hidden = await submitter.GetAsync($"/api/tasks/{others}");
        HttpResponseMessage missing = await submitter.GetAsync("/api/tasks/no-such-task");
        Assert.Equal(HttpStatusCode.NotFound, hidden.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await submitter.GetAsync($"/api/tasks/{others}/history")).StatusCode);

        string list = await submitter.GetStringAsync("/api/tasks?limit=200");
        Assert.Contains(own, list);
        Assert.DoesNotContain(others, list);
    }
}
