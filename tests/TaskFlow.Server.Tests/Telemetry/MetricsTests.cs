using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using TaskFlow.Testing;

namespace TaskFlow.Server.Tests.Telemetry;

/// <summary>Runs alone (the meter is process-wide), so the counts it reads are its workload's alone.</summary>
[CollectionDefinition(nameof(MetricsCollection), DisableParallelization = true)]
public sealed class MetricsCollection;

/// <summary><c>/metrics</c> after a known workload shows its exact counts.</summary>
[Collection(nameof(MetricsCollection))]
public sealed partial class MetricsTests(PostgresDatabase database) : IClassFixture<PostgresDatabase>
{
    [Fact]
    public async Task AfterAKnownWorkload_MetricsShowItsExactCounts()
    {
        await using TaskFlowServer server = await TaskFlowServer.StartAsync(database.ConnectionString);
        var ids = new List<string>();
        for (int i = 0; i < 3; i++)
        {
            ids.Add(await SubmitAsync(server, """{"type":"echo","input":1}"""));
        }

        // A keyed task, its repeat (answered with the same task) and a batch refused whole for reusing the key with
        // another input: one task created, one counted.
        ids.Add(await SubmitAsync(server, """{"type":"echo","input":2,"idempotencyKey":"metrics-key"}"""));
        Assert.Equal(ids[^1], await SubmitAsync(server, """{"type":"echo","input":2,"idempotencyKey":"metrics-key"}"""));
        (System.Net.HttpStatusCode refused, _, _) = await server.Client.PostJsonAsync(
            "/api/tasks/batch", """{"tasks":[{"type":"echo","input":3},{"type":"echo","input":99,"idempotencyKey":"metrics-key"}]}""");
        Assert.Equal(System.Net.HttpStatusCode.UnprocessableEntity, refused); // the key was used for another request
        ids.Add(await SubmitAsync(server, """{"type":"flaky","input":{"failures":1},"retry":{"maxAttempts":2,"initialInterval":"PT0.1S"}}"""));
        ids.Add(await SubmitAsync(server, """{"type":"flaky","input":{"failures":5},"retry":{"maxAttempts":1}}"""));
        ids.Add(await SubmitAsync(server, """{"type":"sequence","input":{"steps":2}}"""));
        string sleeper = await SubmitAsync(server, """{"type":"sleep","input":{"ms":60000}}""");
        await server.Client.WaitForStatusAsync(sleeper, "running");
        await server.Client.PostAsync($"/api/tasks/{sleeper}/cancel", null);
        foreach (string id in ids)
        {
            await server.Client.WaitForStatusAsync(id, "succeeded", "failed");
        }

        IReadOnlyDictionary<string, double> metrics = Parse(await server.Client.GetStringAsync("/metrics"));

        Assert.Equal(4, metrics.GetValueOrDefault("""taskflow_tasks_submitted_total{type="echo"}"""));
        Assert.Equal(2, metrics.GetValueOrDefault("""taskflow_tasks_submitted_total{type="flaky"}"""));
        Assert.Equal(1, metrics.GetValueOrDefault("""taskflow_tasks_submitted_total{type="sequence"}"""));
        Assert.Equal(1, metrics.GetValueOrDefault("""taskflow_tasks_submitted_total{type="sleep"}"""));
        Assert.Equal(4, metrics.GetValueOrDefault("""taskflow_tasks_succeeded_total{type="echo"}"""));
        Assert.Equal(1, metrics.GetValueOrDefault("""taskflow_tasks_succeeded_total{type="flaky"}"""));
        Assert.Equal(1, metrics.GetValueOrDefault("""taskflow_tasks_succeeded_total{type="sequence"}"""));
        Assert.Equal(1, metrics.GetValueOrDefault("""taskflow_tasks_started_total{type="sequence"}"""));
        Assert.Equal(2, metrics.GetValueOrDefault("""taskflow_tasks_failed_total{type="flaky"}"""));
        Assert.Equal(1, metrics.GetValueOrDefault("""taskflow_tasks_retried_total{type="flaky"}"""));
        Assert.Equal(1, metrics.GetValueOrDefault("""taskflow_tasks_dead_lettered_total{type="flaky"}"""));
        Assert.Equal(1, metrics.GetValueOrDefault("taskflow_tasks_cancelled_total"));
        Assert.Equal(6, metrics.GetValueOrDefault("""taskflow_task_duration_seconds_count{type="echo"}""") + metrics.GetValueOrDefault("""taskflow_task_duration_seconds_count{type="flaky"}"""));
        Assert.True(metrics.GetValueOrDefault("taskflow_orchestration_episodes_total") >= 2);
        Assert.True(metrics.GetValueOrDefault("""taskflow_activity_duration_seconds_count{activity="echo"}""") >= 6); // 4 tasks + the sequence's 2
    }

    [Fact]
    public async Task EverySeriesTheGrafanaDashboardAndTheAlertRulesName_IsExported()
    {
        await using TaskFlowServer server = await TaskFlowServer.StartAsync(database.ConnectionString);
        foreach (string body in new[] { """{"type":"sequence","input":{"steps":1}}""", """{"type":"flaky","input":{"failures":5},"retry":{"maxAttempts":1}}""" })
        {
            await server.Client.WaitForStatusAsync(await SubmitAsync(server, body), "succeeded", "failed");
        }

        // An entity's batch, for its series.
        await server.Client.PostJsonAsync("/api/entities/counter/metrics/signals", """{"operation":"add","input":1}""");
        await Eventually.WaitForAsync(
            () => server.Client.GetJsonAsync("/api/entities/counter/metrics"), entity => entity.GetProperty("state").ValueKind == System.Text.Json.JsonValueKind.Number,
            TimeSpan.FromSeconds(30), "the counter's batch");

        await server.Service<TaskFlow.Telemetry.QueueSnapshotService>().RefreshAsync(CancellationToken.None);
        HashSet<string> exported = [.. Parse(await server.Client.GetStringAsync("/metrics")).Keys.Select(series => series.Split('{')[0])];
        string[] files = [Repository.PathTo("ops", "grafana", "taskflow-dashboard.json"), Repository.PathTo("ops", "prometheus", "taskflow-alerts.yml")];
        // Series in the queries; label names (in "by (…)" and legends' "{{…}}") are not series.
        string[] named = [.. files.SelectMany(file => SeriesName().Matches(LabelNames().Replace(File.ReadAllText(file), string.Empty)).Select(m => m.Value)).Distinct()];

        Assert.True(named.Length >= 10, string.Join(", ", named));
        Assert.All(named, series => Assert.True(exported.Contains(series), $"{series} is named in ops/ but not exported. Exported: {string.Join(", ", exported.Order())}"));
    }

    [Fact]
    public async Task AWorkerOnlyProcess_ServesTheCountsOfTheWorkItRan_OnItsMetricsPort()
    {
        int port = FreePorts.Next();
        await using TaskFlowServer api = await TaskFlowServer.StartAsync(database.ConnectionString, role: "api");
        await using WorkerProcess worker = WorkerProcess.Start(database.ConnectionString, $"--TaskFlow:Metrics:Port={port}");
        var ids = new List<string>();
        for (int i = 0; i < 4; i++)
        {
            ids.Add(await SubmitAsync(api, """{"type":"echo","input":"counted by the worker"}"""));
        }

        foreach (string id in ids)
        {
            await api.Client.WaitForStatusAsync(id, "succeeded");
        }

        using var scraper = new HttpClient();
        IReadOnlyDictionary<string, double> metrics = Parse(await scraper.GetStringAsync($"http://localhost:{port}/metrics"));

        Assert.Equal(4, metrics.GetValueOrDefault("""taskflow_tasks_succeeded_total{type="echo"}"""));
        Assert.Equal(4, metrics.GetValueOrDefault("""taskflow_activity_duration_seconds_count{activity="echo"}"""));
        Assert.False(metrics.ContainsKey("""taskflow_tasks_submitted_total{type="echo"}"""), "The worker submitted nothing; the API did.");
        Assert.False(metrics.ContainsKey("taskflow_tasks_ready"), "The queue gauges are the API processes' snapshot, not a worker's zero.");
    }

    [Fact]
    public async Task WithMetricsOff_MetricsIsNotServed()
    {
        await using TaskFlowServer server = await TaskFlowServer.StartAsync(database.ConnectionString, "all", null, "--TaskFlow:Metrics:Enabled=false");

        using HttpResponseMessage response = await server.Client.GetAsync("/metrics");

        Assert.Equal(System.Net.HttpStatusCode.NotFound, response.StatusCode);
    }

    private static async Task<string> SubmitAsync(TaskFlowServer server, string body) =>
        (await server.Client.SubmitAsync(body)).GetProperty("id").GetString()!;

    /// <summary>The text format's samples: series (name and labels as written, without otel_scope labels) to value.</summary>
    internal static IReadOnlyDictionary<string, double> Parse(string text)
    {
        var samples = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (Match sample in Sample().Matches(text))
        {
            string labels = string.Join(",", sample.Groups["labels"].Value.Split(',', StringSplitOptions.RemoveEmptyEntries)
                .Where(label => !label.StartsWith("otel_scope", StringComparison.Ordinal)));
            string series = labels.Length == 0 ? sample.Groups["name"].Value : $"{sample.Groups["name"].Value}{{{labels}}}";
            samples[series] = samples.GetValueOrDefault(series) + double.Parse(sample.Groups["value"].Value, CultureInfo.InvariantCulture);
        }

        return samples;
    }

    [GeneratedRegex("""^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<labels>[^}]*)\})? (?<value>[^ \n]+)""", RegexOptions.Multiline)]
    private static partial Regex Sample();

    [GeneratedRegex(@"\b(taskflow|db_client)_[a-z_]+\b")]
    private static partial Regex SeriesName();

    [GeneratedRegex(@"by \([^)]*\)|\{\{[^}]*\}\}")]
    private static partial Regex LabelNames();
}
