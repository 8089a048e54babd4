using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using TaskFlow;
using TaskFlow.Bench;
using TaskFlow.Api.Samples;
using TaskFlow.Instances;

// Usage: TaskFlow.Bench <server connection string> <worker assembly> <results folder> [scenario ...]
// bench/run.sh supplies the first three; see docs/benchmarks.md for the method.
string server = args[0];
string workerAssembly = args[1];
string resultsFolder = args[2];
string[] all = ["enqueue", "drain", "idle-latency", "sequence-latency", "fanout", "orchestrations", "steady", "scale", "aged", "queue-drain", "provider", "auth", "steady-1000", "soak", "overload", "provider-sequence", "entities", "limits", "capacity"];
// On request: "aged" (a minute of seeding), "queue-drain" (Azurite), "provider", "auth", "steady-1000" (telemetry's cost),
// "soak" (30 minutes; TASKFLOW_BENCH_SOAK_MINUTES sets another length), "overload" (past saturation),
// "provider-sequence" (one sequence at a time through the provider, extended sessions off and on) and "entities"
// (Durable entities' operations on one entity and across 1,000), and "limits" (the drain with 0, 10 and 1,000 limits
// defined on other activities, and with its own activity under a limit that never binds), and "capacity" (CPU seconds
// and connections per task of each process and of PostgreSQL, for docs/capacity.md).
string[] chosen = args.Length > 3 ? args[3..] : all[..^11];
foreach (string unknown in chosen.Except(all))
{
    Console.Error.WriteLine($"Unknown scenario '{unknown}'. Scenarios: {string.Join(", ", all)}.");
    return 2;
}

// The activity is trivial, so a worker can hold many at once; the concurrency is also the most a worker
// leases in one statement, which is what bounds a drain of no-op tasks (measured: 32 → 3,100/s,
// 128 → 4,300/s, 256 → 6,300/s, 512 → 7,850/s on this machine). Real activities doing I/O set their own.
const int WorkerConcurrency = 512;
await WarmUpAsync();
var results = new List<ScenarioResult>();
foreach (string scenario in chosen)
{
    Console.Error.WriteLine($"running {scenario}…");
    results.AddRange(scenario switch
    {
        "enqueue" => [await EnqueueAsync(producers: 1), await EnqueueAsync(producers: 2)],
        // TASKFLOW_BENCH_DRAIN_TASKS lengthens it (a 20,000 drain lasts ~2 s, a fair part of it the JIT's).
        "drain" => [await DrainAsync("drain", tasks: int.TryParse(Environment.GetEnvironmentVariable("TASKFLOW_BENCH_DRAIN_TASKS"), out int n) ? n : 20_000, workers: 1)],
        "idle-latency" => [await OneAtATimeAsync("idle-latency", Echo, "one task at a time")],
        "sequence-latency" => [await OneAtATimeAsync("sequence-latency", _ => Submission("sequence", "{\"steps\":3}"), "one 3-step sequence of echo activities at a time")],
        "fanout" => [await FanOutAsync(10_000)],
        // TASKFLOW_BENCH_ORCHESTRATIONS lengthens it: 5,000 last ~8 s, the first seconds of them each new connection's
        // first plans and the worker's JIT.
        "orchestrations" => [await OrchestrationsAsync(int.TryParse(Environment.GetEnvironmentVariable("TASKFLOW_BENCH_ORCHESTRATIONS"), out int o) ? o : 5_000)],
        "steady" => [await SteadyAsync(200), await SteadyAsync(1_000)],
        "aged" => [await DrainAsync("aged", tasks: 20_000, workers: 1, finishedAlready: 1_000_000)],
        "queue-drain" => [await DrainAsync("queue-drain", tasks: 2_000, workers: 2, workerSettings: QueueDispatchSettings())],
        "provider" => [await ProviderAsync(orchestrations: 500, fanOut: 20), await ServerFanOutsAsync(orchestrations: 500, fanOut: 20)],
        "auth" => [await IdleHttpAsync(withKey: true), await IdleHttpAsync(withKey: false), await SteadyAsync(1_000, withKey: true), await SteadyAsync(1_000, withKey: false)],
        // Off and on twice, interleaved, so a drift of the machine shows as a difference between the pairs.
        "steady-1000" => [
            await SteadyAsync(1_000, telemetry: Telemetry.Off), await SteadyAsync(1_000, telemetry: Telemetry.Full),
            await SteadyAsync(1_000, telemetry: Telemetry.Off), await SteadyAsync(1_000, telemetry: Telemetry.Full)],
        "soak" => [await SoakAsync()],
        "overload" => [await OverloadAsync(batchSize: 1), await OverloadAsync(batchSize: 100)],
        // Off and on twice, interleaved, as above.
        "provider-sequence" => [
            await ProviderSequenceAsync(extendedSessions: false), await ProviderSequenceAsync(extendedSessions: true),
            await ProviderSequenceAsync(extendedSessions: false), await ProviderSequenceAsync(extendedSessions: true)],
        "entities" => [
            await EntitiesAsync(entities: 1, signalsEach: 20_000), await EntitiesAsync(entities: 1_000, signalsEach: 20),
            await EntitiesAsync(entities: 1_000, signalsEach: 20, throughProvider: true)],
        // Interleaved, with the no-limit drain first and last, so a drift of the machine shows.
        "limits" => [
            await DrainAsync("limits-0", 20_000, 1), await DrainAsync("limits-10", 20_000, 1, otherLimits: 10),
            await DrainAsync("limits-1000", 20_000, 1, otherLimits: 1_000), await DrainAsync("limits-own", 20_000, 1, ownLimit: true),
            await DrainAsync("limits-0-again", 20_000, 1)],
        // What one task costs each process and PostgreSQL, queued (drain), offered over HTTP (steady) and as orchestrations.
        "capacity" => [await DrainAsync("capacity-drain", 20_000, 1), await SteadyAsync(1_000), await OrchestrationsAsync(2_000)],
        _ => [await DrainAsync("scale-1", 5_000, 1), await DrainAsync("scale-2", 5_000, 2), await DrainAsync("scale-4", 5_000, 4)],
    });
}

Directory.CreateDirectory(resultsFolder);
string file = Path.Combine(resultsFolder, $"bench-{DateTime.UtcNow:yyyyMMdd-HHmmss}.json");
await File.WriteAllTextAsync(file, JsonSerializer.Serialize(results.Select(r => new
{
    r.Scenario, r.Tasks, r.ThroughputPerSecond, r.EnqueuePerSecond, r.PeakRssMb, r.WalBytesPerTask, r.RowsPerTask, r.Notes,
    // A scenario that starts nothing (enqueue) has no start latency: null, as JSON has no NaN.
    StartP50 = r.ToStartMs.Count > 0 ? r.P(r.ToStartMs, 50) : (double?)null,
    StartP95 = r.ToStartMs.Count > 0 ? r.P(r.ToStartMs, 95) : (double?)null,
    StartP99 = r.ToStartMs.Count > 0 ? r.P(r.ToStartMs, 99) : (double?)null,
    CompleteP50 = r.P(r.ToCompleteMs, 50), CompleteP95 = r.P(r.ToCompleteMs, 95), CompleteP99 = r.P(r.ToCompleteMs, 99),
}), new JsonSerializerOptions { WriteIndented = true }));

Console.WriteLine();
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"{"scenario",-26} {"tasks",7} {"per s",8} {"enqueue/s",10} {"start p50/p95/p99 ms",24} {"complete p50/p95/p99 ms",26} {"rss MB",7} {"WAL B/task",11} {"rows/task",10}"));
foreach (ScenarioResult r in results)
{
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"{r.Scenario,-26} {r.Tasks,7} {r.ThroughputPerSecond,8:F0} {(r.EnqueuePerSecond is { } e ? e.ToString("F0", CultureInfo.InvariantCulture) : "-"),10} " +
        $"{(r.ToStartMs.Count > 0 ? $"{r.P(r.ToStartMs, 50):F1}/{r.P(r.ToStartMs, 95):F1}/{r.P(r.ToStartMs, 99):F1}" : "-"),24} " +
        $"{$"{r.P(r.ToCompleteMs, 50):F1}/{r.P(r.ToCompleteMs, 95):F1}/{r.P(r.ToCompleteMs, 99):F1}",26} " +
        $"{r.PeakRssMb,7:F0} {r.WalBytesPerTask,11:F0} {r.RowsPerTask,10:F1}"));
}

Console.WriteLine();
Console.WriteLine($"results: {file}");
foreach (ScenarioResult r in results)
{
    Console.WriteLine(r.MachineLine());
}

return 0;

// 20,000 single-activity echo tasks enqueued in batches of 1,000, then drained by worker processes started
// afterwards. Drain rate: tasks / (last completion - first start), from the database's own timestamps.
// "aged": the same drain with a million finished tasks (and their five history rows each) already in the tables.
// "queue-drain": the same through Azure Queue Storage dispatch on Azurite (bench/run.sh starts it): the workers
// ring the doorbells, receive them, and lease by id; start latency includes the ringing.
// otherLimits: that many limits on other activities (the lease's limited pass runs, finds no limited work, and the
// unlimited path does the rest); ownLimit: echo itself under a limit too high to bind (every lease is the limited pass).
async Task<ScenarioResult> DrainAsync(
    string name, int tasks, int workers, int finishedAlready = 0, string[]? workerSettings = null, int otherLimits = 0, bool ownLimit = false)
{
    await using BenchDatabase db = await BenchDatabase.CreateAsync(server, name);
    TaskFlowClient client = Client(db);
    if (finishedAlready > 0)
    {
        await db.SeedFinishedTasksAsync(finishedAlready);
    }

    if (otherLimits > 0 || ownLimit)
    {
        await db.ScalarAsync<long>(
            "WITH set AS (INSERT INTO taskflow.limits (scope, name, max_concurrent, updated_at, updated_by) " +
            $"SELECT 'activity', 'other-' || g, 5, now(), 'bench' FROM generate_series(1, {otherLimits}) AS g " +
            $"UNION ALL SELECT 'activity', 'echo', 100000, now(), 'bench' WHERE {(ownLimit ? "true" : "false")} RETURNING 1) SELECT count(*) FROM set");
    }

    (decimal wal, long rows, long bytes) before = (await db.WalBytesAsync(), await db.RowsWrittenAsync(), await db.TableBytesAsync());
    double enqueuePerSecond = await SubmitInBatchesAsync(client, tasks, Echo);
    await using WorkerFleet fleet = WorkerFleet.Start(workerAssembly, db.ConnectionString, workers, WorkerConcurrency, workerSettings ?? []);
    await using ResourceMeter meter = ResourceMeter.Start(fleet, db); // from the workers' start: their start-up CPU is in it
    // Drained when no work item is left (a cheap question even with a million finished tasks around).
    await WaitUntilAsync(db, "SELECT NOT EXISTS (SELECT 1 FROM taskflow.work_items)", TimeSpan.FromMinutes(10));
    string used = await meter.StopAsync(tasks);
    long succeeded = await db.ScalarAsync<long>("SELECT count(*) FROM taskflow.instances WHERE created_by = 'bench' AND status = 'succeeded'");
    if (succeeded != tasks)
    {
        throw new InvalidOperationException($"{name}: {succeeded} of {tasks} tasks succeeded.");
    }

    double seconds = await db.ScalarAsync<double>(
        "SELECT extract(epoch FROM max(completed_at) - min(started_at))::float8 FROM taskflow.instances WHERE created_by = 'bench'");
    (List<double> toStart, List<double> toComplete) = await db.LatenciesAsync("created_by = 'bench'");
    return new ScenarioResult(name, tasks, tasks / seconds, enqueuePerSecond, toStart, toComplete, fleet.PeakRssMb(),
        (double)(await db.WalBytesAsync() - before.wal) / tasks, (double)(await db.RowsWrittenAsync() - before.rows) / tasks,
        $"{workers} worker process(es), concurrency {WorkerConcurrency}; latency includes the time queued behind the backlog; {used}; " +
        $"tables {(await db.TableBytesAsync() - before.bytes) / (double)tasks:F0} B per finished task");
}

// 20,000 echo tasks submitted in batches of 1,000 by one producer, or by two at once (as two API requests
// would be), with no worker running. Latency is that of one batch call: submit to committed and answered.
async Task<ScenarioResult> EnqueueAsync(int producers)
{
    const int Tasks = 20_000, BatchSize = 1_000;
    string name = $"enqueue-{producers}";
    await using BenchDatabase db = await BenchDatabase.CreateAsync(server, name.Replace('-', '_'));
    TaskFlowClient client = Client(db);
    (decimal wal, long rows) before = (await db.WalBytesAsync(), await db.RowsWrittenAsync());
    var batchMs = new System.Collections.Concurrent.ConcurrentBag<double>();
    int nextBatch = -1;
    var wall = Stopwatch.StartNew();
    await Task.WhenAll(Enumerable.Range(0, producers).Select(_ => Task.Run(async () =>
    {
        for (int batch = Interlocked.Increment(ref nextBatch); batch < Tasks / BatchSize; batch = Interlocked.Increment(ref nextBatch))
        {
            List<TaskSubmission> submissions = Enumerable.Range(batch * BatchSize, BatchSize).Select(Echo).ToList();
            long started = Stopwatch.GetTimestamp();
            await client.ScheduleNewTasksAsync(submissions, "bench");
            batchMs.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
    })));
    double perSecond = Tasks / wall.Elapsed.TotalSeconds;
    long queued = await db.ScalarAsync<long>("SELECT count(*) FROM taskflow.work_items");
    if (queued != Tasks)
    {
        throw new InvalidOperationException($"{name}: {queued} of {Tasks} tasks are queued.");
    }

    return new ScenarioResult(name, Tasks, perSecond, perSecond, [], [.. batchMs], ProcessMemory.PeakMb(Environment.ProcessId),
        (double)(await db.WalBytesAsync() - before.wal) / Tasks, (double)(await db.RowsWrittenAsync() - before.rows) / Tasks,
        $"{producers} producer(s) in this process, batches of {BatchSize}; latency = one batch call; rss = this process (its peak so far)");
}

string[] QueueDispatchSettings() =>
[
    "--TaskFlow:Dispatch:Mode=azure-queue",
    $"--TaskFlow:Dispatch:QueueConnection={Environment.GetEnvironmentVariable("TASKFLOW_BENCH_AZURITE") ?? throw new InvalidOperationException("queue-drain needs Azurite: run it through bench/run.sh.")}",
    $"--TaskFlow:Dispatch:QueuePrefix=bench{DateTime.UtcNow:HHmmss}",
];

// One submission at a time on an idle system: how soon after the submit commits does a worker start it (NOTIFY path),
// and, for a sequence, how long its steps take end to end (each step a commit on the worker that ran the last).
async Task<ScenarioResult> OneAtATimeAsync(string name, Func<int, TaskSubmission> submission, string what)
{
    await using BenchDatabase db = await BenchDatabase.CreateAsync(server, name.Replace('-', '_'));
    TaskFlowClient client = Client(db);
    await using WorkerFleet fleet = WorkerFleet.Start(workerAssembly, db.ConnectionString, 1, concurrency: 16);
    await WaitUntilAsync(db, "SELECT count(*) >= 1 FROM taskflow.workers WHERE stopped_at IS NULL", TimeSpan.FromMinutes(1));
    (decimal wal, long rows) before = (await db.WalBytesAsync(), await db.RowsWrittenAsync());
    const int Warmup = 20, Measured = 200;
    var wall = Stopwatch.StartNew();
    var measured = new List<string>();
    for (int i = 0; i < Warmup + Measured; i++)
    {
        (TaskRecord task, _) = await client.ScheduleNewTaskAsync(submission(i), "bench");
        await WaitUntilAsync(db, $"SELECT status = 'succeeded' FROM taskflow.instances WHERE id = '{task.Id}'", TimeSpan.FromSeconds(30), poll: TimeSpan.FromMilliseconds(1));
        if (i >= Warmup)
        {
            measured.Add(task.Id);
        }

        if (i == Warmup - 1)
        {
            await db.ScalarAsync<long>("WITH gone AS (UPDATE taskflow.instances SET tags = '{\"warmup\":\"1\"}' RETURNING 1) SELECT count(*) FROM gone");
            wall.Restart();
        }
    }

    (List<double> toStart, List<double> toComplete) = await db.LatenciesAsync("NOT tags ? 'warmup'");
    double longestGap = await db.ScalarAsync<double>("""
        SELECT coalesce(max(gap), 0)::float8 FROM (
            SELECT extract(epoch FROM occurred_at - lag(occurred_at) OVER (PARTITION BY h.instance_id ORDER BY sequence)) * 1000 AS gap
            FROM taskflow.history AS h JOIN taskflow.instances AS i ON i.id = h.instance_id WHERE NOT i.tags ? 'warmup') AS gaps
        """);
    string timeline = await SequenceTimelineAsync(db, measured);
    Console.Error.WriteLine($"{name} timeline, ms after the submission, p50/p99: {timeline}");
    return new ScenarioResult(name, Measured, Measured / wall.Elapsed.TotalSeconds, null, toStart, toComplete, fleet.PeakRssMb(),
        (double)(await db.WalBytesAsync() - before.wal) / (Warmup + Measured), (double)(await db.RowsWrittenAsync() - before.rows) / (Warmup + Measured),
        $"{what}; start = lease time - submit transaction time, both on the database clock; longest wait between two stored events of one run {longestGap:F1} ms; " +
        $"timeline p50/p99 ms: {timeline}");
}

// One fan-out orchestration of N echo activities, and back in, on a worker that has run the same fan-out once: the
// measured one runs on the code a long-running worker has. A fan-out of 100 first did not do that: the JIT had not yet
// optimised the per-activity paths, and the measured fan-out's first episode took 200-250 ms instead of 80-100.
async Task<ScenarioResult> FanOutAsync(int count)
{
    await using BenchDatabase db = await BenchDatabase.CreateAsync(server, "fanout");
    TaskFlowClient client = Client(db);
    await using WorkerFleet fleet = WorkerFleet.Start(workerAssembly, db.ConnectionString, 1, WorkerConcurrency);
    await WaitUntilAsync(db, "SELECT count(*) >= 1 FROM taskflow.workers WHERE stopped_at IS NULL", TimeSpan.FromMinutes(1));
    (TaskRecord warmup, _) = await client.ScheduleNewTaskAsync(Submission("fan-out", $"{{\"count\":{count},\"activity\":\"echo\"}}"), "bench");
    await WaitUntilAsync(db, $"SELECT status IN ('succeeded', 'failed') FROM taskflow.instances WHERE id = '{warmup.Id}'", TimeSpan.FromMinutes(1));
    (decimal wal, long rows) before = (await db.WalBytesAsync(), await db.RowsWrittenAsync());
    (TaskRecord task, _) = await client.ScheduleNewTaskAsync(Submission("fan-out", $"{{\"count\":{count},\"activity\":\"echo\"}}"), "bench");
    await WaitUntilAsync(db, $"SELECT status IN ('succeeded', 'failed') FROM taskflow.instances WHERE id = '{task.Id}'", TimeSpan.FromMinutes(20));
    (List<double> toStart, List<double> toComplete) = await db.LatenciesAsync($"id = '{task.Id}'");
    string status = await db.ScalarAsync<string>($"SELECT status FROM taskflow.instances WHERE id = '{task.Id}'");
    string timeline = await db.ScalarAsync<string>(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "FanOutTimeline.sql")), ("id", task.Id));
    Console.Error.WriteLine($"fanout timeline: {timeline}");
    return new ScenarioResult("fanout", count, count / (toComplete[0] / 1000), null, toStart, toComplete, fleet.PeakRssMb(),
        (double)(await db.WalBytesAsync() - before.wal) / count, (double)(await db.RowsWrittenAsync() - before.rows) / count,
        $"one orchestration, {count} echo activities, 1 worker process; it ended {status}; per s = activities per second; timeline: {timeline}");
}

// N orchestrations of three sequential echo activities each, enqueued in batches, then drained.
async Task<ScenarioResult> OrchestrationsAsync(int count)
{
    await using BenchDatabase db = await BenchDatabase.CreateAsync(server, "orchestrations");
    TaskFlowClient client = Client(db);
    (decimal wal, long rows, long bytes) before = (await db.WalBytesAsync(), await db.RowsWrittenAsync(), await db.TableBytesAsync());
    double enqueuePerSecond = await SubmitInBatchesAsync(client, count, _ => Submission("sequence", "{\"steps\":3}"));
    await using WorkerFleet fleet = WorkerFleet.Start(workerAssembly, db.ConnectionString, 1, WorkerConcurrency);
    await using ResourceMeter meter = ResourceMeter.Start(fleet, db);
    // No index holds the statuses (migration 0029), so the count is asked only once no work item is left (while one is,
    // some orchestration has not finished); counting 5,000 rows ten times a second would be the bench's work in the figures.
    // The count still decides: an empty queue between two steps only means one more poll.
    await WaitUntilAsync(db, "SELECT CASE WHEN EXISTS (SELECT 1 FROM taskflow.work_items) THEN false " +
        $"ELSE (SELECT count(*) = {count} FROM taskflow.instances WHERE status = 'succeeded') END", TimeSpan.FromMinutes(20));
    string used = await meter.StopAsync(count);
    double seconds = await db.ScalarAsync<double>("SELECT extract(epoch FROM max(completed_at) - min(started_at))::float8 FROM taskflow.instances");
    (List<double> toStart, List<double> toComplete) = await db.LatenciesAsync("true");
    return new ScenarioResult("orchestrations", count, count / seconds, enqueuePerSecond, toStart, toComplete, fleet.PeakRssMb(),
        (double)(await db.WalBytesAsync() - before.wal) / count, (double)(await db.RowsWrittenAsync() - before.rows) / count,
        $"3 sequential echo activities each, 1 worker process; per s = orchestrations per second; {used.Replace("tasks", "orchestrations", StringComparison.Ordinal)}; " +
        $"tables {(await db.TableBytesAsync() - before.bytes) / (double)count:F0} B per finished orchestration");
}

// N orchestrations of a fan-out of M activities each, run by the Durable Task Framework's own dispatchers (TaskHubWorker,
// as the Durable extension runs them) over TaskFlow's provider in one host process: activities per second.
async Task<ScenarioResult> ProviderAsync(int orchestrations, int fanOut)
{
    await using BenchDatabase db = await BenchDatabase.CreateAsync(server, "provider");
    using var store = new TaskFlow.Provider.TaskFlowOrchestrationService(new TaskFlow.Provider.TaskFlowOrchestrationServiceSettings { ConnectionString = db.ConnectionString });
    var hub = new DurableTask.Core.TaskHubClient(store);
    (decimal wal, long rows) before = (await db.WalBytesAsync(), await db.RowsWrittenAsync());
    var enqueue = Stopwatch.StartNew();
    await Task.WhenAll(Enumerable.Range(0, orchestrations).Select(i =>
        hub.CreateOrchestrationInstanceAsync("TaskFlow.DurableHost.FanOutOrchestration", string.Empty, $"provider-{i}", fanOut)));
    double enqueuePerSecond = orchestrations / enqueue.Elapsed.TotalSeconds;
    string host = Environment.GetEnvironmentVariable("TASKFLOW_BENCH_DURABLE_HOST") ?? throw new InvalidOperationException("bench/run.sh sets TASKFLOW_BENCH_DURABLE_HOST.");
    await using WorkerFleet fleet = WorkerFleet.StartDurableHost(host, db.ConnectionString, concurrency: 256);
    return await FanOutsDoneAsync(db, "provider-dtfx", orchestrations, fanOut, enqueuePerSecond, fleet, before,
        "Durable Task Framework dispatchers (TaskHubWorker) over TaskFlowOrchestrationService, 1 host process, concurrency 256");
}

// Three-step sequences one at a time through the provider, run by the Durable Task Framework's dispatchers (as the Durable
// extension runs them) in a host process, with extended sessions off or on: start to completed, on the database's clock,
// and the longest wait between two events of one run (a step that waited for the poll shows as a second there).
async Task<ScenarioResult> ProviderSequenceAsync(bool extendedSessions)
{
    string name = extendedSessions ? "provider-sequence-sessions" : "provider-sequence";
    await using BenchDatabase db = await BenchDatabase.CreateAsync(server, name.Replace('-', '_'));
    using var store = new TaskFlow.Provider.TaskFlowOrchestrationService(new TaskFlow.Provider.TaskFlowOrchestrationServiceSettings { ConnectionString = db.ConnectionString });
    var hub = new DurableTask.Core.TaskHubClient(store);
    string host = Environment.GetEnvironmentVariable("TASKFLOW_BENCH_DURABLE_HOST") ?? throw new InvalidOperationException("bench/run.sh sets TASKFLOW_BENCH_DURABLE_HOST.");
    await using WorkerFleet fleet = WorkerFleet.StartDurableHost(host, db.ConnectionString, concurrency: 32, extendedSessions);
    await WaitUntilAsync(db, "SELECT count(*) >= 1 FROM taskflow.workers WHERE stopped_at IS NULL", TimeSpan.FromMinutes(1));
    const int Warmup = 20, Measured = 200;
    (decimal wal, long rows) before = (0, 0);
    var wall = new Stopwatch();
    for (int i = 0; i < Warmup + Measured; i++)
    {
        if (i == Warmup)
        {
            before = (await db.WalBytesAsync(), await db.RowsWrittenAsync());
            wall.Start();
        }

        string id = i < Warmup ? $"warmup-{i}" : $"sequence-{i}";
        await hub.CreateOrchestrationInstanceAsync("TaskFlow.DurableHost.SequenceOrchestration", string.Empty, id, 3);
        await WaitUntilAsync(db, $"SELECT status = 'succeeded' FROM taskflow.instances WHERE id = '{id}'", TimeSpan.FromSeconds(30), poll: TimeSpan.FromMilliseconds(1));
    }

    (List<double> toStart, List<double> toComplete) = await db.LatenciesAsync("id LIKE 'sequence-%'");
    double longestGap = await db.ScalarAsync<double>("""
        SELECT coalesce(max(gap), 0)::float8 FROM (
            SELECT extract(epoch FROM occurred_at - lag(occurred_at) OVER (PARTITION BY instance_id ORDER BY sequence)) * 1000 AS gap
            FROM taskflow.history WHERE instance_id LIKE 'sequence-%') AS gaps
        """);
    string timeline = await SequenceTimelineAsync(db, Enumerable.Range(Warmup, Measured).Select(i => $"sequence-{i}").ToList());
    Console.Error.WriteLine($"{name} timeline, ms after the submission, p50/p99: {timeline}");
    return new ScenarioResult(name, Measured, Measured / wall.Elapsed.TotalSeconds, null, toStart, toComplete, fleet.PeakRssMb(),
        (double)(await db.WalBytesAsync() - before.wal) / Measured, (double)(await db.RowsWrittenAsync() - before.rows) / Measured,
        $"one 3-step sequence at a time, Durable Task Framework dispatchers in 1 host process, extended sessions {(extendedSessions ? "on" : "off")}; " +
        $"longest wait between two events of one run {longestGap:F1} ms; timeline p50/p99 ms: {timeline}");
}

// Each stored event's median and p99 milliseconds after the submission, over the given one-at-a-time runs
// (SequenceTimeline.sql).
async Task<string> SequenceTimelineAsync(BenchDatabase db, List<string> ids) =>
    await db.ScalarAsync<string>(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "SequenceTimeline.sql")), ("ids", ids.ToArray()));

// The same work on the server's own dispatcher (the fan-out sample with echo activities, one worker process).
async Task<ScenarioResult> ServerFanOutsAsync(int orchestrations, int fanOut)
{
    await using BenchDatabase db = await BenchDatabase.CreateAsync(server, "provider_server");
    TaskFlowClient client = Client(db);
    (decimal wal, long rows) before = (await db.WalBytesAsync(), await db.RowsWrittenAsync());
    double enqueuePerSecond = await SubmitInBatchesAsync(client, orchestrations, _ => Submission("fan-out", $"{{\"count\":{fanOut},\"activity\":\"echo\"}}"));
    await using WorkerFleet fleet = WorkerFleet.Start(workerAssembly, db.ConnectionString, 1, WorkerConcurrency);
    return await FanOutsDoneAsync(db, "provider-server", orchestrations, fanOut, enqueuePerSecond, fleet, before,
        $"the server's dispatcher (SDK replay), 1 worker process, concurrency {WorkerConcurrency}");
}

// Waits for N fan-out orchestrations to finish; throughput is activities per second over the database's clock.
async Task<ScenarioResult> FanOutsDoneAsync(
    BenchDatabase db, string name, int orchestrations, int fanOut, double enqueuePerSecond, WorkerFleet fleet, (decimal Wal, long Rows) before, string how)
{
    await WaitUntilAsync(db, $"SELECT count(*) = {orchestrations} FROM taskflow.instances WHERE status IN ('succeeded', 'failed')", TimeSpan.FromMinutes(20));
    long failed = await db.ScalarAsync<long>("SELECT count(*) FROM taskflow.instances WHERE status = 'failed'");
    double seconds = await db.ScalarAsync<double>("SELECT extract(epoch FROM max(completed_at) - min(started_at))::float8 FROM taskflow.instances");
    (List<double> toStart, List<double> toComplete) = await db.LatenciesAsync("true");
    int activities = orchestrations * fanOut;
    return new ScenarioResult(name, activities, activities / seconds, enqueuePerSecond * fanOut, toStart, toComplete, fleet.PeakRssMb(),
        (double)(await db.WalBytesAsync() - before.Wal) / activities, (double)(await db.RowsWrittenAsync() - before.Rows) / activities,
        $"{orchestrations} orchestrations x {fanOut} echo activities ({orchestrations / seconds:F0} orchestrations/s, {failed} failed); {how}; " +
        "per s = activities per second; latency per orchestration");
}

// Durable entities: signals ("add 1" to the sample counter) to N entities, enqueued in one statement, then drained by one
// server worker process, or through the provider by the Durable Task Framework's entity dispatcher in a host process. Per s = operations per second between the first batch's start and the last batch's commit (the
// database's clock, from the entities' histories); latency per operation, from its signal to the start and to the commit
// of the batch that ran it (it includes the wait in the queue: every signal was sent before the worker started).
async Task<ScenarioResult> EntitiesAsync(int entities, int signalsEach, bool throughProvider = false)
{
    string name = (entities == 1 ? "entities-one" : $"entities-{entities}") + (throughProvider ? "-provider" : string.Empty);
    await using BenchDatabase db = await BenchDatabase.CreateAsync(server, name.Replace('-', '_'));
    int operations = entities * signalsEach;
    (decimal wal, long rows) before = (await db.WalBytesAsync(), await db.RowsWrittenAsync());
    var enqueue = Stopwatch.StartNew();
    await db.ScalarAsync<long>($"""
        WITH sent AS (
            SELECT taskflow.send_to_entity('@counter@bench-' || e, jsonb_build_object('name', 'op', 'input',
                       jsonb_build_object('id', gen_random_uuid(), 'op', 'add', 'signal', true, 'input', '1')), NULL, now(), 'bench')
            FROM generate_series(1, {entities}) AS e, generate_series(1, {signalsEach}) AS s)
        SELECT count(*) FROM sent
        """);
    double enqueuePerSecond = operations / enqueue.Elapsed.TotalSeconds;
    await using WorkerFleet fleet = throughProvider
        ? WorkerFleet.StartDurableHost(
            Environment.GetEnvironmentVariable("TASKFLOW_BENCH_DURABLE_HOST") ?? throw new InvalidOperationException("bench/run.sh sets TASKFLOW_BENCH_DURABLE_HOST."),
            db.ConnectionString, concurrency: 32)
        : WorkerFleet.Start(workerAssembly, db.ConnectionString, 1, WorkerConcurrency);
    await WaitUntilAsync(db, $"SELECT coalesce(sum((state)::int), 0) = {operations} FROM taskflow.entities", TimeSpan.FromMinutes(20), poll: TimeSpan.FromMilliseconds(50));
    double seconds = await db.ScalarAsync<double>(
        "SELECT extract(epoch FROM max(occurred_at) FILTER (WHERE event_type = 'EntityStateSaved') - min(occurred_at) FILTER (WHERE event_type = 'OrchestratorStarted'))::float8 FROM taskflow.history WHERE instance_id LIKE '@%'");
    long batches = await db.ScalarAsync<long>("SELECT count(*) FROM taskflow.history WHERE instance_id LIKE '@%' AND event_type = 'EntityStateSaved'");
    var toStart = new List<double>();
    var toComplete = new List<double>();
    // A batch's start and commit times only grow along an entity's history: the last start before an operation and the
    // first commit after it are a running max and a running min.
    await using (Npgsql.NpgsqlCommand latencies = db.DataSource.CreateCommand("""
        SELECT extract(epoch FROM started - occurred_at)::float8 * 1000, extract(epoch FROM saved - occurred_at)::float8 * 1000
        FROM (SELECT event_type, occurred_at,
                     max(occurred_at) FILTER (WHERE event_type = 'OrchestratorStarted') OVER (PARTITION BY instance_id ORDER BY sequence) AS started,
                     min(occurred_at) FILTER (WHERE event_type = 'EntityStateSaved')
                         OVER (PARTITION BY instance_id ORDER BY sequence ROWS BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING) AS saved
              FROM taskflow.history WHERE instance_id LIKE '@%') AS h
        WHERE event_type = 'EventRaised'
        """))
    await using (Npgsql.NpgsqlDataReader reader = await latencies.ExecuteReaderAsync())
    {
        while (await reader.ReadAsync())
        {
            toStart.Add(reader.GetDouble(0));
            toComplete.Add(reader.GetDouble(1));
        }
    }

    return new ScenarioResult(name, operations, operations / seconds, enqueuePerSecond, toStart, toComplete, fleet.PeakRssMb(),
        (double)(await db.WalBytesAsync() - before.wal) / operations, (double)(await db.RowsWrittenAsync() - before.rows) / operations,
        $"{entities} counter entities x {signalsEach} signals, {batches} batches, " +
        (throughProvider ? "the Durable Task Framework's entity dispatcher over the provider in 1 host process" : "1 server worker process") +
        "; per s = operations per second; latency per operation, queue wait included");
}

// Tasks submitted over HTTP at a fixed rate for 20 s (open loop: a slow answer does not slow the sender),
// to an API process, run by a worker process: latency under load.
// With a key (authentication on, as deployed) or without (TaskFlow:Auth:Enabled=false): what authentication costs.
// Telemetry as ./run.sh has it (metrics on, tracing off), all off, or full: metrics in both processes, scraped every 5 s
// as Prometheus would, and every span exported over OTLP (to OtlpSink).
async Task<ScenarioResult> SteadyAsync(int perSecond, bool withKey = true, Telemetry telemetry = Telemetry.Default)
{
    string name = (withKey ? $"steady-{perSecond}" : $"steady-{perSecond}-nokey") + telemetry switch
    {
        Telemetry.Off => "-telemetry-off",
        Telemetry.Full => "-telemetry-on",
        _ => string.Empty,
    };
    await using BenchDatabase db = await BenchDatabase.CreateAsync(server, name.Replace('-', '_'));
    await using OtlpSink? sink = telemetry == Telemetry.Full ? await OtlpSink.StartAsync() : null;
    int workerMetricsPort = FreePort();
    string[] settings = telemetry switch
    {
        Telemetry.Off => ["--TaskFlow:Metrics:Enabled=false"],
        Telemetry.Full => [$"--TaskFlow:Tracing:OtlpEndpoint={sink!.TracesEndpoint}", "--OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf"],
        _ => [],
    };
    await using WorkerFleet fleet = WorkerFleet.Start(
        workerAssembly, db.ConnectionString, 1, WorkerConcurrency, [.. settings, .. telemetry == Telemetry.Full ? [$"--TaskFlow:Metrics:Port={workerMetricsPort}"] : Array.Empty<string>()]);
    using HttpClient http = await StartApiAsync(fleet, db, withKey, settings);
    using var scraping = new CancellationTokenSource();
    Task<string> scrapes = telemetry == Telemetry.Full ? ScrapeAsync(http, workerMetricsPort, scraping.Token) : Task.FromResult(string.Empty);
    (decimal wal, long rows) before = (await db.WalBytesAsync(), await db.RowsWrittenAsync());
    await using ResourceMeter meter = ResourceMeter.Start(fleet, db);
    TimeSpan duration = TimeSpan.FromSeconds(20);
    int total = (int)(perSecond * duration.TotalSeconds);
    using var inFlight = new SemaphoreSlim(512);
    var sends = new List<Task>(total);
    int refused = 0;
    var clock = Stopwatch.StartNew();
    for (int i = 0; i < total; i++)
    {
        TimeSpan due = TimeSpan.FromSeconds((double)i / perSecond);
        // One reading of the clock: read twice, the wait could turn negative in between, which Task.Delay refuses.
        if (due - clock.Elapsed is { Ticks: > 0 } wait)
        {
            await Task.Delay(wait);
        }

        await inFlight.WaitAsync();
        int n = i;
        sends.Add(Task.Run(async () =>
        {
            try
            {
                using var body = new StringContent($"{{\"type\":\"echo\",\"input\":{n}}}", System.Text.Encoding.UTF8, "application/json");
                using HttpResponseMessage response = await http.PostAsync("/api/tasks", body);
                if (!response.IsSuccessStatusCode && Interlocked.Increment(ref refused) == 1)
                {
                    Console.Error.WriteLine($"first refusal: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
                }
            }
            finally
            {
                inFlight.Release();
            }
        }));
    }

    await Task.WhenAll(sends);
    await WaitUntilAsync(db, $"SELECT count(*) = {total - refused} FROM taskflow.instances WHERE status = 'succeeded'", TimeSpan.FromMinutes(5));
    string used = await meter.StopAsync(total);
    double seconds = await db.ScalarAsync<double>("SELECT extract(epoch FROM max(completed_at) - min(created_at))::float8 FROM taskflow.instances");
    (List<double> toStart, List<double> toComplete) = await db.LatenciesAsync("true");
    string exported = string.Empty;
    if (telemetry == Telemetry.Full)
    {
        await Task.Delay(TimeSpan.FromSeconds(6)); // the exporters' batches (every 5 s) of the last spans
        await scraping.CancelAsync();
        string scraped = await scrapes;
        Directory.CreateDirectory(resultsFolder);
        await File.WriteAllTextAsync(Path.Combine(resultsFolder, $"metrics-after-{name}.txt"), scraped);
        exported = $"; {sink!.Exports} OTLP trace exports ({sink.Bytes / 1024.0 / 1024.0:F1} MiB); /metrics of both processes in {resultsFolder}/metrics-after-{name}.txt";
    }

    return new ScenarioResult(name, total, (total - refused) / seconds, null, toStart, toComplete, fleet.PeakRssMb(),
        (double)(await db.WalBytesAsync() - before.wal) / total, (double)(await db.RowsWrittenAsync() - before.rows) / total,
        $"{perSecond}/s over HTTP for {duration.TotalSeconds} s to an API process; 1 worker process; {refused} refused; telemetry {telemetry}{exported}; {used}");
}

// Scrapes the API's and the worker's /metrics every 5 s until stopped, then once more; returns that last pair.
static async Task<string> ScrapeAsync(HttpClient api, int workerMetricsPort, CancellationToken stop)
{
    using var worker = new HttpClient { BaseAddress = new Uri($"http://localhost:{workerMetricsPort}") };
    async Task<string> ScrapeBothAsync() =>
        $"# API process ({api.BaseAddress}metrics)\n{await api.GetStringAsync("/metrics")}\n# worker process ({worker.BaseAddress}metrics)\n{await worker.GetStringAsync("/metrics")}";
    try
    {
        while (true)
        {
            await Task.Delay(TimeSpan.FromSeconds(5), stop);
            await ScrapeBothAsync();
        }
    }
    catch (OperationCanceledException)
    {
        return await ScrapeBothAsync();
    }
}

// One POST /api/tasks at a time over HTTP to an idle API process (20 warm-up, 200 measured): the round trip a
// caller sees, with a key or without.
async Task<ScenarioResult> IdleHttpAsync(bool withKey)
{
    string name = withKey ? "idle-http" : "idle-http-nokey";
    await using BenchDatabase db = await BenchDatabase.CreateAsync(server, name.Replace('-', '_'));
    await using WorkerFleet fleet = WorkerFleet.Start(workerAssembly, db.ConnectionString, 1, concurrency: 16);
    using HttpClient http = await StartApiAsync(fleet, db, withKey);
    const int Warmup = 20, Measured = 200;
    var roundTrips = new List<double>(Measured);
    var wall = new Stopwatch();
    for (int i = 0; i < Warmup + Measured; i++)
    {
        using var body = new StringContent($"{{\"type\":\"echo\",\"input\":{i}}}", System.Text.Encoding.UTF8, "application/json");
        var one = Stopwatch.StartNew();
        using HttpResponseMessage response = await http.PostAsync("/api/tasks", body);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"POST /api/tasks answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        }

        if (i >= Warmup)
        {
            roundTrips.Add(one.Elapsed.TotalMilliseconds);
            wall.Start();
        }
    }

    return new ScenarioResult(name, Measured, Measured / wall.Elapsed.TotalSeconds, null, [], roundTrips, fleet.PeakRssMb(), 0, 0,
        $"one POST /api/tasks at a time; latency = the HTTP round trip the caller sees; {(withKey ? "with an API key" : "authentication off")}");
}

// 1,000 tasks/s over HTTP for 30 minutes with retention on (finished tasks kept 5 minutes, so the tables must stop
// growing), to an API process and one worker: memory, latency and table sizes over time (Soak.cs).
async Task<ScenarioResult> SoakAsync()
{
    TimeSpan duration = TimeSpan.FromMinutes(
        double.TryParse(Environment.GetEnvironmentVariable("TASKFLOW_BENCH_SOAK_MINUTES"), CultureInfo.InvariantCulture, out double minutes) ? minutes : 30);
    TimeSpan keep = TimeSpan.FromMinutes(5);
    string[] retention = [$"--TaskFlow:Retention:KeepFinishedFor={keep:c}", "--TaskFlow:Retention:Interval=00:00:10"];
    await using BenchDatabase db = await BenchDatabase.CreateAsync(server, "soak");
    await using WorkerFleet fleet = WorkerFleet.Start(workerAssembly, db.ConnectionString, 1, WorkerConcurrency, retention);
    using HttpClient http = await StartApiAsync(fleet, db, withKey: true);
    return await Soak.RunAsync(db, fleet, http, 1_000, duration, keep, resultsFolder);
}

// 101,500 tasks offered over HTTP from 64 connections as fast as they are answered, to an API process (admission
// control at its defaults) and one worker: one task per request, then in batches (Overload.cs).
async Task<ScenarioResult> OverloadAsync(int batchSize)
{
    await using BenchDatabase db = await BenchDatabase.CreateAsync(server, $"overload_{batchSize}");
    await using WorkerFleet fleet = WorkerFleet.Start(workerAssembly, db.ConnectionString, 1, WorkerConcurrency);
    using HttpClient http = await StartApiAsync(fleet, db, withKey: true);
    return await Overload.RunAsync(db, fleet, http.BaseAddress!, http.DefaultRequestHeaders.Authorization!.Parameter!, batchSize);
}

// The API process, with an admin key for the client (its rate above anything the bench sends), or with authentication off.
async Task<HttpClient> StartApiAsync(WorkerFleet fleet, BenchDatabase db, bool withKey, params string[] settings)
{
    int port = FreePort();
    fleet.StartApi(workerAssembly, db.ConnectionString, $"http://127.0.0.1:{port}", [.. settings, .. withKey ? Array.Empty<string>() : ["--TaskFlow:Auth:Enabled=false"]]);
    var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
    await WaitUntilReadyAsync(http);
    if (withKey)
    {
        var services = new ServiceCollection();
        services.AddTaskFlow(db.ConnectionString);
        TaskFlow.Security.CreatedApiKey key = await services.BuildServiceProvider().GetRequiredService<TaskFlow.Security.ApiKeyStore>()
            .CreateAsync("bench", [TaskFlow.Security.Roles.Admin], 10_000_000, null, "bench");
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("ApiKey", key.Secret);
    }

    return http;
}

static int FreePort()
{
    using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
    listener.Start();
    return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
}

static async Task WaitUntilReadyAsync(HttpClient http)
{
    var deadline = Stopwatch.StartNew();
    while (deadline.Elapsed < TimeSpan.FromMinutes(1))
    {
        try
        {
            if ((await http.GetAsync("/readyz")).IsSuccessStatusCode)
            {
                return;
            }
        }
        catch (HttpRequestException)
        {
            // Not listening yet.
        }

        await Task.Delay(100);
    }

    throw new TimeoutException("The API process did not become ready within a minute.");
}

TaskFlowClient Client(BenchDatabase db)
{
    var services = new ServiceCollection();
    services.AddTaskFlow(db.ConnectionString, tasks => tasks.AddSampleTaskTypes());
    return services.BuildServiceProvider().GetRequiredService<TaskFlowClient>();
}

// Submits in batches of 1,000, one after another, as one producer would: returns tasks per second.
static async Task<double> SubmitInBatchesAsync(TaskFlowClient client, int count, Func<int, TaskSubmission> submission)
{
    var enqueue = Stopwatch.StartNew();
    for (int offset = 0; offset < count; offset += 1000)
    {
        await client.ScheduleNewTasksAsync(Enumerable.Range(offset, Math.Min(1000, count - offset)).Select(submission).ToList(), "bench");
    }

    return count / enqueue.Elapsed.TotalSeconds;
}

// A long-running API or producer process has its submit path compiled: so that the first measured batches do not
// pay the JIT (~150 ms, a tenth of a 20,000-task enqueue), this process first submits a few batches into a
// database of their own.
async Task WarmUpAsync()
{
    await using BenchDatabase db = await BenchDatabase.CreateAsync(server, "warmup");
    TaskFlowClient client = Client(db);
    await SubmitInBatchesAsync(client, 5_000, Echo);
    await SubmitInBatchesAsync(client, 1_000, _ => Submission("sequence", "{\"steps\":3}"));
}

static TaskSubmission Echo(int i) => Submission("echo", i.ToString(CultureInfo.InvariantCulture));

static TaskSubmission Submission(string type, string inputJson) => new(
    type, inputJson, 5, null, null, new TaskFlow.Retries.RetryPolicy(), TimeSpan.FromMinutes(10), null, new Dictionary<string, string>(), RandomNumberGenerator.GetBytes(32));

static async Task WaitUntilAsync(BenchDatabase db, string condition, TimeSpan timeout, TimeSpan? poll = null)
{
    var deadline = Stopwatch.StartNew();
    while (!await db.ScalarAsync<bool>(condition))
    {
        if (deadline.Elapsed > timeout)
        {
            throw new TimeoutException($"Timed out after {timeout} waiting for: {condition}");
        }

        await Task.Delay(poll ?? TimeSpan.FromMilliseconds(100));
    }
}

/// <summary>What a steady run's processes collect and send: as ./run.sh has it, nothing, or everything.</summary>
internal enum Telemetry
{
    Default,
    Off,
    Full,
}
