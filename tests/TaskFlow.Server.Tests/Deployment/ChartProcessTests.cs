using System.Net;
using System.Net.Http.Headers;
using Npgsql;
using TaskFlow.Database;
using TaskFlow.Security;
using TaskFlow.Testing;
using YamlDotNet.RepresentationModel;

namespace TaskFlow.Server.Tests.Deployment;

/// <summary>The chart's containers run as rendered: each one's arguments and environment given to the image's entry point
/// (the server's DLL, as the Dockerfile runs it), its Secrets resolved to a real database, under the least-privilege roles
/// of deploy/postgres/roles.sql. A cluster adds the scheduling, the probes' timing and KEDA; these are the processes it
/// would start.</summary>
public sealed class ChartProcessTests(EmptyPostgresDatabase database) : IClassFixture<EmptyPostgresDatabase>
{
    // Roles are the cluster's, not the database's: names of this run's own.
    private readonly string suffix = Guid.NewGuid().ToString("N")[..8];

    [Fact]
    public async Task TheMigrationsJob_ThenTheApiAndWorker_RunTasksOnAFreshDatabase_AsRolesThatCannotChangeTheSchema()
    {
        int apiPort = FreePorts.Next();
        int workerPort = FreePorts.Next();
        Manifests manifests = await HelmChart.RenderAsync([HelmChart.ProductionValues],
            $"api.port={apiPort}", $"worker.port={workerPort}", "worker.concurrency=4", "worker.shutdownGracePeriodSeconds=5",
            "auth.jwt.authority=", "auth.jwt.audience="); // no issuer to reach from here
        await this.CreateRolesAsync();
        Assert.Equal(["dotnet", "TaskFlow.Server.dll"], Dockerfile.Read().EntryPoint); // what Start runs: the server's DLL
        Dictionary<string, string> secrets = new()
        {
            ["taskflow-migrations"] = this.ConnectionAs("taskflow_owner"),
            ["taskflow-database"] = this.ConnectionAs("taskflow_app"),
        };
        YamlNode job = manifests.Single("Job", "-migrations");
        YamlNode api = manifests.Single("Deployment", "-api");
        YamlNode worker = manifests.Single("Deployment", "-worker");

        // Before the Job, the API refuses to start on a schema it may not change, and says what to run.
        await using (WorkerProcess early = this.Start(api, secrets))
        {
            Assert.NotEqual(0, await early.WaitForExitAsync(TimeSpan.FromSeconds(60)));
            Assert.Contains("--role migrate", early.Output, StringComparison.Ordinal);
        }

        await using (WorkerProcess migrations = this.Start(job, secrets))
        {
            Assert.True(await migrations.WaitForExitAsync(TimeSpan.FromSeconds(120)) == 0, migrations.Output);
        }

        Assert.Empty(await new Migrator(database.DataSource, Microsoft.Extensions.Logging.Abstractions.NullLogger<Migrator>.Instance).PendingVersionsAsync(CancellationToken.None));

        await using WorkerProcess apiProcess = this.Start(api, secrets);
        await using WorkerProcess workerProcess = this.Start(worker, secrets);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        foreach ((WorkerProcess process, YamlNode deployment, int port) in new[] { (apiProcess, api, apiPort), (workerProcess, worker, workerPort) })
        {
            YamlNode container = deployment.Container();
            string readiness = $"http://127.0.0.1:{port}{container.Text("readinessProbe", "httpGet", "path")}";
            await Eventually.WaitForAsync(() => StatusAsync(http, readiness), status => status == HttpStatusCode.OK, TimeSpan.FromSeconds(60), $"{readiness} to answer 200:\n{process.Output}");
            Assert.Equal(HttpStatusCode.OK, await StatusAsync(http, $"http://127.0.0.1:{port}{container.Text("livenessProbe", "httpGet", "path")}"));
        }

        // The first admin key, as an operator makes it in the API's pod (kubectl exec … --role create-admin-key).
        string secret;
        await using (WorkerProcess createKey = this.Start(api, secrets, ["--role", "create-admin-key", "--name", "ops"]))
        {
            Assert.True(await createKey.WaitForExitAsync(TimeSpan.FromSeconds(60)) == 0, createKey.Output);
            secret = Assert.Single(createKey.Output.Split('\n'), line => line.StartsWith(ApiKeyStore.Scheme + "_", StringComparison.Ordinal)).Trim();
        }

        // The API process runs no work: the task succeeds because the worker's process ran it.
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{apiPort}"), Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("ApiKey", secret);
        string id = (await client.SubmitAsync("""{"type":"echo","input":{"from":"the chart"}}""")).GetProperty("id").GetString()!;
        await client.WaitForStatusAsync(id, "succeeded");
        Assert.Equal("worker", await database.ScalarAsync<string>(
            "SELECT k.role FROM taskflow.task_history AS h JOIN taskflow.workers AS k ON k.id = h.actor WHERE h.instance_id = @id AND h.event_type = 'TaskCompleted'",
            ("id", id)));

        // Prometheus scrapes the worker where its pod annotations say.
        YamlNode annotations = worker.Path("spec", "template", "metadata", "annotations");
        string metrics = await http.GetStringAsync($"http://127.0.0.1:{annotations.Text("prometheus.io/port")}{annotations.Text("prometheus.io/path")}");
        Assert.Contains("taskflow_tasks_succeeded_total{", metrics, StringComparison.Ordinal);

        // KEDA's queries as the scaler's role: it reads the backlog, and no task.
        await using (NpgsqlDataSource scaler = NpgsqlDataSource.Create(this.ConnectionAs("taskflow_scaler")))
        {
            foreach (YamlNode trigger in manifests.Single("ScaledObject", "-worker").Items("spec", "triggers"))
            {
                await using NpgsqlCommand query = scaler.CreateCommand(trigger.Text("metadata", "query"));
                Assert.Equal(0L, Convert.ToInt64(await query.ExecuteScalarAsync()));
            }

            await using NpgsqlCommand tasks = scaler.CreateCommand("SELECT count(*) FROM taskflow.instances");
            Assert.Equal("42501", (await Assert.ThrowsAsync<PostgresException>(() => tasks.ExecuteScalarAsync())).SqlState); // insufficient_privilege
        }

        // The app's role cannot change the schema it runs on.
        await using (NpgsqlDataSource app = NpgsqlDataSource.Create(this.ConnectionAs("taskflow_app")))
        {
            await using NpgsqlCommand alter = app.CreateCommand("ALTER TABLE taskflow.instances ADD COLUMN nope int");
            Assert.Equal("42501", (await Assert.ThrowsAsync<PostgresException>(() => alter.ExecuteNonQueryAsync())).SqlState);
        }

        // SIGTERM, as Kubernetes stops a pod: the worker is gone well within terminationGracePeriodSeconds.
        int killAfter = int.Parse(worker.PodSpec().Text("terminationGracePeriodSeconds"));
        Assert.Equal(0, await workerProcess.TerminateAsync(TimeSpan.FromSeconds(killAfter)));
        await apiProcess.TerminateAsync(TimeSpan.FromSeconds(int.Parse(api.PodSpec().Text("terminationGracePeriodSeconds"))));
        await this.DropRolesAsync();
    }

    /// <summary>deploy/postgres/roles.sql as an administrator runs it, with this run's role names and database.</summary>
    private async Task CreateRolesAsync()
    {
        string sql = this.Renamed(File.ReadAllText(Repository.PathTo("deploy", "postgres", "roles.sql")))
            .Replace("DATABASE taskflow", $"DATABASE {new NpgsqlConnectionStringBuilder(database.ConnectionString).Database}", StringComparison.Ordinal);
        await using NpgsqlCommand command = database.DataSource.CreateCommand(sql);
        await command.ExecuteNonQueryAsync();
    }

    private async Task DropRolesAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await using NpgsqlCommand command = database.DataSource.CreateCommand(this.Renamed(
            // One role at a time: together, PostgreSQL 15 trips over the owner's default privileges for the others.
            "DROP OWNED BY taskflow_owner; DROP OWNED BY taskflow_app; DROP OWNED BY taskflow_scaler; DROP ROLE taskflow_owner, taskflow_app, taskflow_scaler;"));
        await command.ExecuteNonQueryAsync();
    }

    private string Renamed(string sql) => System.Text.RegularExpressions.Regex.Replace(sql, @"\btaskflow_(owner|app|scaler)\b", $"taskflow_$1_{this.suffix}");

    private string ConnectionAs(string role) =>
        new NpgsqlConnectionStringBuilder(database.ConnectionString) { Username = this.Renamed(role), Password = null }.ToString();

    /// <summary>The image's entry point with the container's arguments and environment, its Secret references resolved
    /// from <paramref name="secrets"/> (name to connection string).</summary>
    private WorkerProcess Start(YamlNode workload, IReadOnlyDictionary<string, string> secrets, IReadOnlyList<string>? args = null)
    {
        YamlNode container = workload.Container();
        Dictionary<string, string> environment = container.Env()
            .Where(e => !e.Value.StartsWith("secret:", StringComparison.Ordinal))
            .ToDictionary(e => e.Key, e => e.Value);
        string secret = container.Env()["ConnectionStrings__TaskFlow"]["secret:".Length..].Split('/')[0];
        return WorkerProcess.StartServer(args ?? container.Args(), secrets[secret], environment);
    }

    private static async Task<HttpStatusCode> StatusAsync(HttpClient http, string url)
    {
        try
        {
            using HttpResponseMessage response = await http.GetAsync(url);
            return response.StatusCode;
        }
        catch (HttpRequestException)
        {
            return 0;
        }
    }
}
