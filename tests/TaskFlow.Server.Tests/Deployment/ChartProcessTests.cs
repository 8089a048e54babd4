using System.Net;
using System.Net.Http.Headers;
using TaskFlow.Database;
using TaskFlow.Security;
using TaskFlow.Testing;
using YamlDotNet.RepresentationModel;

namespace TaskFlow.Server.Tests.Deployment;

/// <summary>The chart's containers run as rendered: each one's arguments and environment given to the image's entry point
/// (the server's DLL, as the Dockerfile runs it), its Secrets resolved to a real database. A cluster adds the scheduling,
/// the probes' timing and KEDA; these are the processes it would start.</summary>
public sealed class ChartProcessTests(EmptyPostgresDatabase database) : IClassFixture<EmptyPostgresDatabase>
{
    [Fact]
    public async Task TheMigrationsJob_ThenTheApiAndWorker_RunTasksOnAFreshDatabase_AndTheWorkerStopsWithinItsGrace()
    {
        int apiPort = FreePorts.Next();
        int workerPort = FreePorts.Next();
        Manifests manifests = await HelmChart.RenderDefaultsAsync(
            $"api.port={apiPort}", $"worker.port={workerPort}", "worker.concurrency=4", "worker.shutdownGracePeriodSeconds=5");
        YamlNode job = manifests.Single("Job", "-migrations");
        YamlNode api = manifests.Single("Deployment", "-api");
        YamlNode worker = manifests.Single("Deployment", "-worker");

        // Before the Job, the API refuses to start on a schema it may not change, and says what to run.
        await using (WorkerProcess early = this.Start(api))
        {
            Assert.NotEqual(0, await early.WaitForExitAsync(TimeSpan.FromSeconds(60)));
            Assert.Contains("--role migrate", early.Output, StringComparison.Ordinal);
        }

        await using (WorkerProcess migrations = this.Start(job))
        {
            Assert.True(await migrations.WaitForExitAsync(TimeSpan.FromSeconds(120)) == 0, migrations.Output);
        }

        Assert.Empty(await new Migrator(database.DataSource, Microsoft.Extensions.Logging.Abstractions.NullLogger<Migrator>.Instance).PendingVersionsAsync(CancellationToken.None));

        await using WorkerProcess apiProcess = this.Start(api);
        await using WorkerProcess workerProcess = this.Start(worker);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        foreach ((WorkerProcess process, YamlNode deployment, int port) in new[] { (apiProcess, api, apiPort), (workerProcess, worker, workerPort) })
        {
            YamlNode container = deployment.Container();
            string readiness = $"http://127.0.0.1:{port}{container.Text("readinessProbe", "httpGet", "path")}";
            await Eventually.WaitForAsync(() => StatusAsync(http, readiness), status => status == HttpStatusCode.OK, TimeSpan.FromSeconds(60), $"{readiness} to answer 200:\n{process.Output}");
            Assert.Equal(HttpStatusCode.OK, await StatusAsync(http, $"http://127.0.0.1:{port}{container.Text("livenessProbe", "httpGet", "path")}"));
        }

        // The API process runs no work: the task succeeds because the worker's process ran it.
        CreatedApiKey key = await new ApiKeyStore(database.DataSource, new SqlClock(TimeProvider.System)).CreateAsync("chart", [Roles.Admin], null, null, "tests");
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{apiPort}"), Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("ApiKey", key.Secret);
        string id = (await client.SubmitAsync("""{"type":"echo","input":{"from":"the chart"}}""")).GetProperty("id").GetString()!;
        await client.WaitForStatusAsync(id, "succeeded");
        Assert.Equal("worker", await database.ScalarAsync<string>(
            "SELECT k.role FROM taskflow.task_history AS h JOIN taskflow.workers AS k ON k.id = h.actor WHERE h.instance_id = @id AND h.event_type = 'TaskCompleted'",
            ("id", id)));

        // Prometheus scrapes the worker where its pod annotations say.
        YamlNode annotations = worker.Path("spec", "template", "metadata", "annotations");
        string metrics = await http.GetStringAsync($"http://127.0.0.1:{annotations.Text("prometheus.io/port")}{annotations.Text("prometheus.io/path")}");
        Assert.Contains("taskflow_tasks_succeeded_total{", metrics, StringComparison.Ordinal);

        // SIGTERM, as Kubernetes stops a pod: the worker is gone well within terminationGracePeriodSeconds.
        int killAfter = int.Parse(worker.PodSpec().Text("terminationGracePeriodSeconds"));
        Assert.Equal(0, await workerProcess.TerminateAsync(TimeSpan.FromSeconds(killAfter)));
    }

    /// <summary>The image's entry point with the container's arguments and environment; Secret references become the
    /// test database's connection string (the only Secret the chart's containers read by default).</summary>
    private WorkerProcess Start(YamlNode workload)
    {
        YamlNode container = workload.Container();
        Dictionary<string, string> environment = container.Env()
            .Where(e => !e.Value.StartsWith("secret:", StringComparison.Ordinal))
            .ToDictionary(e => e.Key, e => e.Value);
        Assert.Equal(["dotnet", "TaskFlow.Server.dll"], Dockerfile.Read().EntryPoint);
        return WorkerProcess.StartServer(container.Args(), database.ConnectionString, environment);
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
