using System.Text.RegularExpressions;
using TaskFlow.Server.Hosting;
using TaskFlow.Testing;
using YamlDotNet.RepresentationModel;

namespace TaskFlow.Server.Tests.Deployment;

/// <summary>The Helm chart (deploy/helm/taskflow), rendered by Helm with its defaults and with the production example,
/// agrees with the server it deploys and with the image (Dockerfile) it runs. What only a cluster shows is listed in
/// docs/kubernetes.md.</summary>
public sealed class ChartTests
{
    public static TheoryData<string> ValueSets => ["defaults", "production"];

    [Fact]
    public async Task TheChart_PassesHelmLint_WithDefaultAndProductionValues()
    {
        (int defaults, string defaultsOutput) = await HelmChart.RunAsync("lint", "--strict", "deploy/helm/taskflow", "--set", "database.connectionString=Host=postgres");
        Assert.True(defaults == 0, defaultsOutput);
        (int production, string productionOutput) = await HelmChart.RunAsync("lint", "--strict", "deploy/helm/taskflow", "--values", HelmChart.ProductionValues);
        Assert.True(production == 0, productionOutput);
    }

    [Fact]
    public async Task BadValues_AreRefusedBeforeAnythingRenders_NamingTheValue()
    {
        const string Database = "database.connectionString=Host=postgres";
        await HelmChart.AssertRefusedAsync("'/worker/concurrency': minimum: got 0, want 1", Database, "worker.concurrency=0");
        await HelmChart.AssertRefusedAsync("additional properties 'concurency' not allowed", Database, "worker.concurency=4");
        await HelmChart.AssertRefusedAsync("'/api/port'", Database, "api.port=70000");
        await HelmChart.AssertRefusedAsync("'/image/pullPolicy'", Database, "image.pullPolicy=Sometimes");
    }

    [Theory]
    [MemberData(nameof(ValueSets))]
    public async Task EveryContainer_SetsOnlySettingsTheServerReads_AndARoleItKnows(string values)
    {
        Manifests manifests = await RenderAsync(values);
        YamlNode[] workloads = [.. manifests.OfKind("Deployment"), .. manifests.OfKind("Job")];
        Assert.Equal(3, workloads.Length);

        foreach (YamlNode container in workloads.Select(w => w.Container()))
        {
            foreach (string name in container.Env().Keys)
            {
                Assert.True(ServerSettings.IsRead(ServerSettings.KeyOf(name)), $"{name} is not a setting TaskFlow reads.");
            }

            IReadOnlyList<string> args = container.Args();
            Assert.Contains(args[args.ToList().IndexOf("--role") + 1], new[] { "api", "worker", "migrate" });
            ProcessRoles.Parse(args[args.ToList().IndexOf("--role") + 1]);
        }

        // The check can fail: a misspelt key, a key of no section, and a property no options class has.
        Assert.False(ServerSettings.IsRead("TaskFlow:Worker:Concurency"));
        Assert.False(ServerSettings.IsRead("TaskFlow:Workers:Concurrency"));
        Assert.False(ServerSettings.IsRead("TaskFlow:Auth:Jwt:Authorty"));
        Assert.True(ServerSettings.IsRead("TaskFlow:Auth:CorsOrigins:0"));
    }

    [Theory]
    [MemberData(nameof(ValueSets))]
    public async Task Workers_AreGivenLongerToStopThanTheyTakeToReleaseTheirWork(string values)
    {
        YamlNode worker = (await RenderAsync(values)).Single("Deployment", "-worker");

        TimeSpan grace = TimeSpan.Parse(worker.Container().Env()["TaskFlow__Worker__ShutdownGracePeriod"]);
        int killAfter = int.Parse(worker.PodSpec().Text("terminationGracePeriodSeconds"));
        Assert.True(TimeSpan.FromSeconds(killAfter) > grace + TaskFlowApp.ShutdownMargin, $"killed after {killAfter} s, the host may take {grace + TaskFlowApp.ShutdownMargin}");

        // A grace the pod cannot honour does not render.
        await HelmChart.AssertRefusedAsync(
            "must be longer than worker.shutdownGracePeriodSeconds",
            "database.connectionString=Host=postgres", "worker.shutdownGracePeriodSeconds=60", "worker.terminationGracePeriodSeconds=65");
    }

    [Theory]
    [MemberData(nameof(ValueSets))]
    public async Task Migrations_RunInAJobBeforeInstallsAndUpgrades_AndThePodsOnlyCheckTheSchema(string values)
    {
        Manifests manifests = await RenderAsync(values);
        YamlNode job = manifests.Single("Job", "-migrations");

        Assert.Equal("pre-install,pre-upgrade", job.Text("metadata", "annotations", "helm.sh/hook"));
        Assert.Equal(["--role", "migrate"], job.Container().Args());
        Assert.Equal("Never", job.PodSpec().Text("restartPolicy"));
        Assert.Equal("true", job.Container().Env()["TaskFlow__Database__MigrateOnStart"]);
        foreach (YamlNode deployment in manifests.OfKind("Deployment"))
        {
            Assert.Equal("false", deployment.Container().Env()["TaskFlow__Database__MigrateOnStart"]);
        }

        // Everything the Job needs exists before it: hooks of a lower weight (the release's own resources come after).
        int jobWeight = int.Parse(job.Text("metadata", "annotations", "helm.sh/hook-weight"));
        string secret = job.Container().Env()["ConnectionStrings__TaskFlow"].Split(':', '/')[1];
        foreach (YamlNode dependency in manifests.All.Where(d => d.Text("kind") is "Secret" or "ServiceAccount"))
        {
            Assert.Contains("pre-install", dependency.Text("metadata", "annotations", "helm.sh/hook"), StringComparison.Ordinal);
            Assert.True(int.Parse(dependency.Text("metadata", "annotations", "helm.sh/hook-weight")) < jobWeight);
        }

        Assert.True(values == "production" || manifests.Has("Secret", secret), $"the Job reads Secret {secret}, which the chart does not make");

        // Off, there is no Job and every pod migrates at start (under the migrator's advisory lock).
        Manifests without = await RenderAsync(values, "migrations.enabled=false");
        Assert.Empty(without.OfKind("Job"));
        Assert.All(without.OfKind("Deployment"), d => Assert.Equal("true", d.Container().Env()["TaskFlow__Database__MigrateOnStart"]));
    }

    [Theory]
    [MemberData(nameof(ValueSets))]
    public async Task ConnectionStrings_ComeFromSecrets_NeverFromThePodSpec(string values)
    {
        Manifests manifests = await RenderAsync(values);
        foreach (YamlNode workload in manifests.All.Where(d => d.Text("kind") is "Deployment" or "Job"))
        {
            IReadOnlyDictionary<string, string> env = workload.Container().Env();
            Assert.StartsWith("secret:", env["ConnectionStrings__TaskFlow"], StringComparison.Ordinal);
            Assert.DoesNotContain(env.Values, value => value.Contains("Host=", StringComparison.OrdinalIgnoreCase) || value.Contains("Password", StringComparison.OrdinalIgnoreCase));
        }

        if (values == "production")
        {
            // Made beforehand: the chart makes no Secret, and the Job changes the schema as a role of its own.
            Assert.Empty(manifests.OfKind("Secret"));
            Assert.Equal("secret:taskflow-migrations/connectionString", manifests.Single("Job", "-migrations").Container().Env()["ConnectionStrings__TaskFlow"]);
            Assert.Equal("secret:taskflow-database/connectionString", manifests.Single("Deployment", "-api").Container().Env()["ConnectionStrings__TaskFlow"]);
        }

        // Without a Secret or a development connection string the chart says what to set.
        await HelmChart.AssertRefusedAsync("Set database.existingSecret");
    }

    [Theory]
    [MemberData(nameof(ValueSets))]
    public async Task Pods_AreProbedOnThePortTheImageServes_AndRunAsTheImageSays(string values)
    {
        Manifests manifests = await RenderAsync(values);
        Dockerfile image = Dockerfile.Read();

        foreach (YamlNode deployment in manifests.OfKind("Deployment"))
        {
            YamlNode container = deployment.Container();
            YamlNode port = Assert.Single(container.Items("ports"));
            Assert.Equal("http", port.Text("name"));
            Assert.Equal(image.Port, int.Parse(port.Text("containerPort")));
            Assert.Equal($"http://+:{image.Port}", container.Args()[container.Args().ToList().IndexOf("--urls") + 1]);
            Assert.Equal("/healthz", container.Text("livenessProbe", "httpGet", "path"));
            Assert.Equal("/readyz", container.Text("readinessProbe", "httpGet", "path"));
            Assert.Equal("/readyz", container.Text("startupProbe", "httpGet", "path"));
            Assert.All(new[] { "livenessProbe", "readinessProbe", "startupProbe" }, probe => Assert.Equal("http", container.Text(probe, "httpGet", "port")));

            // Sized: requests for the scheduler and a memory limit (docs/capacity.md).
            Assert.NotEmpty(container.Text("resources", "requests", "cpu"));
            Assert.NotEmpty(container.Text("resources", "requests", "memory"));
            Assert.NotEmpty(container.Text("resources", "limits", "memory"));
            Assert.Equal("true", container.Text("securityContext", "readOnlyRootFilesystem"));
            Assert.Equal("true", deployment.PodSpec().Text("securityContext", "runAsNonRoot"));
        }

        // The API's PodDisruptionBudget keeps one serving; the workers' lets one go at a time.
        Assert.Equal("1", manifests.Single("PodDisruptionBudget", "-api").Text("spec", "minAvailable"));
        Assert.Equal("1", manifests.Single("PodDisruptionBudget", "-worker").Text("spec", "maxUnavailable"));
    }

    [Theory]
    [MemberData(nameof(ValueSets))]
    public async Task TheApiScalesOnCpu_AndWorkersOnTheBacklog_WhenKedaIsOn(string values)
    {
        Manifests manifests = await RenderAsync(values);
        YamlNode hpa = manifests.Single("HorizontalPodAutoscaler", "-api");
        Assert.Equal(manifests.Single("Deployment", "-api").Text("metadata", "name"), hpa.Text("spec", "scaleTargetRef", "name"));
        Assert.Equal("cpu", Assert.Single(hpa.Items("spec", "metrics")).Text("resource", "name"));
        Assert.Null(manifests.Single("Deployment", "-api").Find("spec", "replicas"));

        YamlNode worker = manifests.Single("Deployment", "-worker");
        if (values == "defaults")
        {
            Assert.Empty(manifests.OfKind("ScaledObject"));
            Assert.Equal("2", worker.Text("spec", "replicas"));
            return;
        }

        // KEDA owns the worker's replicas.
        Assert.Null(worker.Find("spec", "replicas"));
        YamlNode scaled = manifests.Single("ScaledObject", "-worker");
        Assert.Equal(worker.Text("metadata", "name"), scaled.Text("spec", "scaleTargetRef", "name"));
        YamlNode[] triggers = [.. scaled.Items("spec", "triggers")];
        Assert.All(triggers, t => Assert.Equal("postgresql", t.Text("type")));
        Assert.All(triggers, t => Assert.Contains("taskflow.worker_backlog", t.Text("metadata", "query"), StringComparison.Ordinal));

        // Work per replica is one worker's concurrency, as the Function App's scaler divides by its own.
        YamlNode backlog = Assert.Single(triggers, t => t.Text("name") == "backlog");
        Assert.Equal(worker.Container().Env()["TaskFlow__Worker__Concurrency"], backlog.Text("metadata", "targetQueryValue"));

        YamlNode authentication = manifests.Single("TriggerAuthentication", "-worker");
        Assert.All(triggers, t => Assert.Equal(authentication.Text("metadata", "name"), t.Text("authenticationRef", "name")));
        YamlNode secret = Assert.Single(authentication.Items("spec", "secretTargetRef"));
        Assert.Equal("connection", secret.Text("parameter"));
        Assert.Equal("taskflow-database", secret.Text("name"));
    }

    [Fact]
    public void TheImage_RunsTheServerRunShRuns_AsANonRootUser()
    {
        Dockerfile image = Dockerfile.Read();
        string runSh = File.ReadAllText(Repository.PathTo("run.sh"));

        // run.sh builds src/Server and runs its TaskFlow.Server.dll; the image publishes that project and runs that DLL.
        Assert.Matches(@"dotnet build src/Server\b", runSh);
        Assert.Matches(@"dotnet src/Server/bin/\S+/TaskFlow\.Server\.dll", runSh);
        Assert.Contains("dotnet publish src/Server/TaskFlow.Server.csproj", image.Text, StringComparison.Ordinal);
        Assert.Equal(["dotnet", "TaskFlow.Server.dll"], image.EntryPoint);
        Assert.Equal(["--role", "all"], image.Command); // run.sh's role: API and worker in one process
        Assert.Contains("export ConnectionStrings__TaskFlow=", runSh, StringComparison.Ordinal); // the variable the chart sets
        Assert.Equal("$APP_UID", image.User);
        Assert.Contains($"/dev/tcp/127.0.0.1/{image.Port}", image.HealthCheck, StringComparison.Ordinal);
        Assert.Contains("GET /healthz", image.HealthCheck, StringComparison.Ordinal);

        // Every setting the image sets is one the server (or ASP.NET Core) reads.
        Assert.All(image.Environment.Keys.Where(k => !k.StartsWith("ASPNETCORE_", StringComparison.Ordinal)),
            name => Assert.True(ServerSettings.IsRead(ServerSettings.KeyOf(name)), name));
    }

    private static Task<Manifests> RenderAsync(string values, params string[] sets) => values == "production"
        ? HelmChart.RenderAsync([HelmChart.ProductionValues], sets)
        : HelmChart.RenderDefaultsAsync(sets);
}

/// <summary>The parts of the repository's Dockerfile the tests compare with run.sh and the chart.</summary>
internal sealed partial record Dockerfile(string Text, IReadOnlyList<string> EntryPoint, IReadOnlyList<string> Command, string User,
    string HealthCheck, IReadOnlyDictionary<string, string> Environment, int Port)
{
    public static Dockerfile Read()
    {
        string text = File.ReadAllText(Repository.PathTo("Dockerfile"));
        // Instructions, with continued lines joined; only the final stage's matter for what runs.
        string[] instructions = Regex.Replace(text, @"\\\r?\n\s*", " ").Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')).ToArray();
        string[] final = instructions[Array.FindLastIndex(instructions, l => l.StartsWith("FROM ", StringComparison.Ordinal))..];
        string Instruction(string name) => Assert.Single(final, l => l.StartsWith(name + " ", StringComparison.Ordinal))[(name.Length + 1)..].Trim();
        static string[] JsonArray(string value) => System.Text.Json.JsonSerializer.Deserialize<string[]>(value)!;

        Dictionary<string, string> environment = EnvPair().Matches(Instruction("ENV")).ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value);
        int port = int.Parse(environment["ASPNETCORE_HTTP_PORTS"]);
        Assert.Equal(port.ToString(), Instruction("EXPOSE"));
        return new Dockerfile(text, JsonArray(Instruction("ENTRYPOINT")), JsonArray(Instruction("CMD")), Instruction("USER"), Instruction("HEALTHCHECK"), environment, port);
    }

    [GeneratedRegex(@"([A-Za-z_][A-Za-z0-9_]*)=(\S+)")]
    private static partial Regex EnvPair();
}
