using System.Net;
using Npgsql;
using TaskFlow.Testing;

namespace TaskFlow.Server.Tests.Endpoints;

/// <summary>A request holds at most one pooled connection at a time, so a burst larger than the pool queues
/// for connections instead of starving it (found by ./bench/run.sh steady).</summary>
public sealed class ConnectionPoolTests(PostgresDatabase database) : IClassFixture<PostgresDatabase>
{
    [Fact]
    public async Task PostTask_BurstOfFiftyWithAPoolOfThree_AcceptsEveryOne()
    {
        string smallPool = new NpgsqlConnectionStringBuilder(database.ConnectionString) { MaxPoolSize = 3, Timeout = 5 }.ToString();
        await using TaskFlowServer api = await TaskFlowServer.StartAsync(smallPool, role: "api");

        HttpStatusCode[] answers = await Task.WhenAll(Enumerable.Range(0, 50).Select(async i =>
            (await api.Client.PostJsonAsync("/api/tasks", $$"""{"type":"echo","input":{{i}}}""")).Status));

        Assert.All(answers, status => Assert.Equal(HttpStatusCode.Accepted, status));
        Assert.Equal(50L, await database.ScalarAsync<long>("SELECT count(*) FROM taskflow.instances"));
    }
}
