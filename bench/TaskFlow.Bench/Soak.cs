using System.Diagnostics;
using System.Globalization;
using System.Text;
using Npgsql;

namespace TaskFlow.Bench;

/// <summary>The endurance run (<c>./bench/run.sh soak</c>): tasks offered over HTTP at a fixed rate for a long time
/// (open loop: one in twenty a three-step <c>sequence</c> orchestration, the rest <c>echo</c>), to an API process run by
/// a worker process, retention on. Every 10 s it samples both processes' resident memory and the tables' sizes; every
/// minute the latency of the tasks submitted the minute before (finished by then, and not yet purged), split into the
/// wait for a worker and the run to the commit, with the API's answer time and how many tasks needed a second attempt,
/// so a slow minute says where its time went. The verdict compares the last third of the run with minutes 5–10, once the
/// tables have reached retention's plateau.</summary>
internal static class Soak
{
    private const int OrchestrationEvery = 20;

    /// <summary>A minute whose sequences' p99 passes this prints its slowest sequence's timeline.</summary>
    private const double SlowSequenceMs = 1000;
    private static readonly TimeSpan SampleEvery = TimeSpan.FromSeconds(10);

    /// <param name="fleet">A worker process, then an API process (<paramref name="http"/> submits to it).</param>
    /// <param name="keepFinishedFor">Retention: finished tasks older than this are purged (so the tables must stop growing).</param>
    public static async Task<ScenarioResult> RunAsync(
        BenchDatabase db, WorkerFleet fleet, HttpClient http, int perSecond, TimeSpan duration, TimeSpan keepFinishedFor, string resultsFolder)
    {
        var samples = new List<Sample>();
        var minutes = new List<Minute>();
        var answers = new AnswerTimes();
        using var stop = new CancellationTokenSource();
        var clock = Stopwatch.StartNew();
        var started = new DateTimeOffset(await db.ScalarAsync<DateTime>("SELECT now()"), TimeSpan.Zero); // the database's clock, as created_at
        Task sampling = SampleAsync(db, fleet, clock, started, samples, minutes, answers, stop.Token);

        int total = (int)(perSecond * duration.TotalSeconds), refused = 0, failed = 0, answered = 0, sent = 0;
        var errors = new System.Collections.Concurrent.ConcurrentDictionary<string, int>();
        using var progress = new Timer(_ => Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"[soak] {clock.Elapsed:mm\\:ss} sent {Volatile.Read(ref sent)} answered {Volatile.Read(ref answered)} refused {Volatile.Read(ref refused)} failed {Volatile.Read(ref failed)} {string.Join(' ', errors.Select(e => $"{e.Key}={e.Value}"))}")),
            null, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));
        using var inFlight = new SemaphoreSlim(512);
        var sends = new List<Task>(total);
        for (int i = 0; i < total; i++)
        {
            TimeSpan due = TimeSpan.FromSeconds((double)i / perSecond);
            // One reading of the clock: read twice, the wait could turn negative in between, which Task.Delay refuses.
            if (due - clock.Elapsed is { Ticks: > 0 } wait)
            {
                await Task.Delay(wait);
            }

            await inFlight.WaitAsync();
            Interlocked.Increment(ref sent);
            string body = i % OrchestrationEvery == 0
                ? "{\"type\":\"sequence\",\"input\":{\"steps\":3}}"
                : string.Create(CultureInfo.InvariantCulture, $"{{\"type\":\"echo\",\"input\":{i}}}");
            sends.Add(Task.Run(async () =>
            {
                TimeSpan sentAt = clock.Elapsed;
                try
                {
                    using var content = new StringContent(body, Encoding.UTF8, "application/json");
                    using HttpResponseMessage response = await http.PostAsync("/api/tasks", content);
                    answers.Add(sentAt, clock.Elapsed - sentAt);
                    Interlocked.Increment(ref answered);
                    if (!response.IsSuccessStatusCode)
                    {
                        Interlocked.Increment(ref refused);
                        errors.AddOrUpdate($"http{(int)response.StatusCode}", 1, (_, n) => n + 1);
                    }
                }
                catch (Exception exception)
                {
                    Interlocked.Increment(ref failed);
                    errors.AddOrUpdate(exception.GetType().Name, 1, (_, n) => n + 1);
                }
                finally
                {
                    inFlight.Release();
                }
            }));
        }

        await Task.WhenAll(sends);
        double sendSeconds = clock.Elapsed.TotalSeconds;
        await Task.Delay(TimeSpan.FromSeconds(70)); // the last minute's tasks finish, and its latency is read
        await stop.CancelAsync();
        await sampling;

        string csv = await WriteCsvAsync(resultsFolder, samples, minutes);
        Console.Error.WriteLine(Table(samples, minutes, perSecond));
        string verdict = Verdict(samples, minutes, duration) + "; " + CpuTrend(samples, duration, perSecond);
        Console.Error.WriteLine(verdict);
        List<double> p99s = minutes.Select(m => m.EchoP99Ms).ToList();
        return new ScenarioResult(
            "soak", total, (total - refused - failed) / sendSeconds, null, [], p99s, fleet.PeakRssMb(), 0, 0,
            string.Create(CultureInfo.InvariantCulture,
                $"{perSecond}/s over HTTP for {duration.TotalMinutes:F0} min (1 in {OrchestrationEvery} a 3-step sequence), retention {keepFinishedFor.TotalMinutes:F0} min; " +
                $"{refused} refused, {failed} failed to send; latency column = each minute's echo p99; {verdict.ReplaceLineEndings(" ")}; per sample: {csv}"));
    }

    private static async Task SampleAsync(
        BenchDatabase db, WorkerFleet fleet, Stopwatch clock, DateTimeOffset started, List<Sample> samples, List<Minute> minutes, AnswerTimes answers,
        CancellationToken stop)
    {
        (int worker, int api) = (fleet.ProcessIds[0], fleet.ProcessIds[1]);
        int nextMinute = 2;
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(SampleEvery, stop);
            }
            catch (OperationCanceledException)
            {
                break;
            }

            (Dictionary<string, double> cpu, double postgresCpu) = ResourceMeter.CpuSecondsSoFar(fleet);
            samples.Add(new Sample(
                clock.Elapsed, ProcessMemory.ResidentMb(worker), ProcessMemory.ResidentMb(api),
                await LiveRowsAsync(db, "instances"), await LiveRowsAsync(db, "work_items"),
                await SizeMbAsync(db, "instances"), await SizeMbAsync(db, "history"), await SizeMbAsync(db, "work_items"), await SizeMbAsync(db, "inbox"),
                new Cpu(cpu["worker"], cpu["api"], postgresCpu)));
            if (clock.Elapsed >= TimeSpan.FromMinutes(nextMinute))
            {
                Minute minute = await MinuteAsync(db, nextMinute - 1, started, answers);
                minutes.Add(minute);
                if (minute.SequenceP99Ms > SlowSequenceMs)
                {
                    Console.Error.WriteLine($"[soak] minute {minute.Number}'s slowest sequence: {await SlowestSequenceAsync(db, minute.Number, started)}");
                }

                nextMinute++;
            }
        }
    }

    /// <summary>The tasks submitted during minute <paramref name="minute"/> (1-based) of the run: how long each took.</summary>
    private static async Task<Minute> MinuteAsync(BenchDatabase db, int minute, DateTimeOffset started, AnswerTimes answers)
    {
        await using NpgsqlCommand command = db.DataSource.CreateCommand("""
            SELECT count(*) FILTER (WHERE name = 'echo'),
                   percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM completed_at - created_at) * 1000) FILTER (WHERE name = 'echo'),
                   percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM completed_at - created_at) * 1000) FILTER (WHERE name = 'echo'),
                   percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM completed_at - created_at) * 1000) FILTER (WHERE name = 'sequence'),
                   count(*) FILTER (WHERE completed_at IS NULL),
                   percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM started_at - created_at) * 1000) FILTER (WHERE name = 'echo'),
                   percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM completed_at - started_at) * 1000) FILTER (WHERE name = 'echo'),
                   count(*) FILTER (WHERE attempt > 1)
            FROM taskflow.instances
            WHERE created_at >= @from AND created_at < @to
            """);
        command.Parameters.AddWithValue("from", started + TimeSpan.FromMinutes(minute - 1));
        command.Parameters.AddWithValue("to", started + TimeSpan.FromMinutes(minute));
        await using NpgsqlDataReader reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        double Optional(int ordinal) => reader.IsDBNull(ordinal) ? double.NaN : reader.GetDouble(ordinal);
        return new Minute(
            minute, reader.GetInt64(0), Optional(1), Optional(2), Optional(3), reader.GetInt64(4), Optional(5), Optional(6), reader.GetInt64(7),
            answers.P99Ms(TimeSpan.FromMinutes(minute - 1), TimeSpan.FromMinutes(minute)));
    }

    /// <summary>The timeline of the slowest sequence submitted in minute <paramref name="minute"/>, read from its history
    /// before retention purges it: each event's milliseconds after the submission, and for a completed activity also when
    /// it was leased (<c>leased+…</c>). Its longest step says whether the time went waiting for a worker, in the run, or
    /// between an activity's result and the next episode.</summary>
    private static async Task<string> SlowestSequenceAsync(BenchDatabase db, int minute, DateTimeOffset started)
    {
        await using NpgsqlCommand command = db.DataSource.CreateCommand("""
            WITH slowest AS (
                SELECT id, created_at, completed_at FROM taskflow.instances
                WHERE name = 'sequence' AND created_at >= @from AND created_at < @to AND completed_at IS NOT NULL
                ORDER BY completed_at - created_at DESC LIMIT 1)
            SELECT s.id,
                   string_agg(format('%s+%s%s', h.event_type, round(extract(epoch FROM h.occurred_at - s.created_at) * 1000),
                                     CASE WHEN h.payload ? 'startedAt'
                                          THEN format(' (leased+%s)', round(extract(epoch FROM (h.payload->>'startedAt')::timestamptz - s.created_at) * 1000))
                                          ELSE '' END), ', ' ORDER BY h.sequence)
                   || format(', completed+%s', round(extract(epoch FROM s.completed_at - s.created_at) * 1000))
            FROM slowest s JOIN taskflow.history h ON h.instance_id = s.id
            GROUP BY s.id, s.created_at, s.completed_at
            """);
        command.Parameters.AddWithValue("from", started + TimeSpan.FromMinutes(minute - 1));
        command.Parameters.AddWithValue("to", started + TimeSpan.FromMinutes(minute));
        await using NpgsqlDataReader reader = await command.ExecuteReaderAsync();
        return await reader.ReadAsync() ? $"{reader.GetString(0)}: {reader.GetString(1)} (ms after its submission)" : "none found";
    }

    /// <summary>The table's live rows as PostgreSQL's statistics count them: exact enough to see growth, and free, where
    /// a count(*) of 300,000 instances every 10 s took 0.3–2 s of the two cores (three parallel processes) from the system
    /// it measures.</summary>
    private static Task<long> LiveRowsAsync(BenchDatabase db, string table) =>
        db.ScalarAsync<long>($"SELECT n_live_tup FROM pg_stat_user_tables WHERE relid = 'taskflow.{table}'::regclass");

    private static Task<double> SizeMbAsync(BenchDatabase db, string table) =>
        db.ScalarAsync<double>($"SELECT pg_total_relation_size('taskflow.{table}') / 1048576.0::float8");

    /// <summary>Flat means: the last third's peak resident memory within ±10 % of minutes 5–10's peak; no minute from the
    /// fifth on with an echo p99 above 1.5× the median of minutes 5–10's p99s; and the tables' total size at the end at
    /// most 20 % above minute 10's. The typical p99 is a median, because a stall inside the reference window would
    /// otherwise move the baseline it is judged against (a mean or a worst minute did, in the first runs). Memory is
    /// compared by peaks, because a collected heap is a sawtooth: the API's samples swung between 161 and 214 MB for
    /// twenty minutes and then stayed at the top of that range, which medians read as +21 % and peaks as +1.3 %
    /// (2026-12-06). A leak raises the peaks too; the medians' change is printed beside them.</summary>
    private static string Verdict(List<Sample> samples, List<Minute> minutes, TimeSpan duration)
    {
        TimeSpan lastThird = duration * 2 / 3;
        bool Early(TimeSpan at) => at >= TimeSpan.FromMinutes(5) && at < TimeSpan.FromMinutes(10);
        List<Sample> early = samples.Where(s => Early(s.At)).ToList(), late = samples.Where(s => s.At >= lastThird && s.At <= duration).ToList();
        List<Minute> earlyMinutes = minutes.Where(m => m.Number is >= 5 and < 10).ToList();
        if (early.Count == 0 || late.Count == 0 || earlyMinutes.Count == 0 || lastThird < TimeSpan.FromMinutes(10))
        {
            return "verdict: the run is too short to judge (it needs minutes 5–10 and a last third after them)";
        }

        double Change(Func<IEnumerable<double>, double> measure, Func<Sample, double> rss) => measure(late.Select(rss)) / measure(early.Select(rss)) - 1;
        double workerChange = Change(Enumerable.Max, s => s.WorkerRssMb), workerMedianChange = Change(Median, s => s.WorkerRssMb);
        double apiChange = Change(Enumerable.Max, s => s.ApiRssMb), apiMedianChange = Change(Median, s => s.ApiRssMb);
        double typicalP99 = Median(earlyMinutes.Select(m => m.EchoP99Ms));
        List<Minute> slow = minutes.Where(m => m.Number >= 5 && m.EchoP99Ms > 1.5 * typicalP99).ToList();
        double sizeChange = late[^1].TablesMb / early[^1].TablesMb - 1;
        string Mark(bool ok) => ok ? "flat" : "NOT FLAT";
        string slowList = slow.Count == 0 ? "none" : string.Join(", ", slow.Select(m => string.Create(CultureInfo.InvariantCulture, $"{m.Number}: {m.EchoP99Ms:F0} ms")));
        return string.Create(CultureInfo.InvariantCulture, $"""
            verdict: worker RSS peak {Signed(workerChange)} ({Mark(Math.Abs(workerChange) <= 0.10)}; median {Signed(workerMedianChange)}), API RSS peak {Signed(apiChange)} ({Mark(Math.Abs(apiChange) <= 0.10)}; median {Signed(apiMedianChange)}), echo p99 minutes above 1.5× the typical {typicalP99:F0} ms: {slowList} ({Mark(slow.Count == 0)}), tables {Signed(sizeChange)} ({Mark(sizeChange <= 0.20)}); the last third against minutes 5–10
            """);
    }

    /// <summary>A change as a signed percentage. Rounded first: a change just below zero printed "-+0.0%" (the negative
    /// section rounded it to zero, and .NET then formats it with the positive one, keeping the sign).</summary>
    private static string Signed(double change) =>
        (Math.Round(change, 3) + 0.0).ToString("+0.0%;-0.0%", CultureInfo.InvariantCulture); // + 0.0 turns -0 into 0

    private static double Median(IEnumerable<double> values)
    {
        double[] sorted = [.. values.Order()];
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private static string Table(List<Sample> samples, List<Minute> minutes, int perSecond)
    {
        var table = new StringBuilder();
        table.AppendLine(CultureInfo.InvariantCulture,
            $"{"minute",6} {"echo",7} {"p50 ms",8} {"p99 ms",8} {"wait p99",8} {"run p99",8} {"seq p99",8} {"POST p99",8} {"retried",7} {"unfinished",10} {"worker MB",10} {"api MB",7} {"instances",10} {"tables MB",10} {"CPU ms a task: worker / API / PostgreSQL",41}");
        foreach (Minute minute in minutes)
        {
            Sample last = samples.LastOrDefault(s => s.At <= TimeSpan.FromMinutes(minute.Number)) ?? samples[0];
            Sample first = samples.LastOrDefault(s => s.At <= TimeSpan.FromMinutes(minute.Number - 1)) ?? samples[0];
            Cpu perTask = (last.Cpu - first.Cpu) / (perSecond * (last.At - first.At).TotalSeconds / 1000);
            table.AppendLine(CultureInfo.InvariantCulture,
                $"{minute.Number,6} {minute.Echoes,7} {minute.EchoP50Ms,8:F1} {minute.EchoP99Ms,8:F1} {minute.EchoWaitP99Ms,8:F1} {minute.EchoRunP99Ms,8:F1} {minute.SequenceP99Ms,8:F1} {minute.AnswerP99Ms,8:F1} {minute.Retried,7} {minute.Unfinished,10} {last.WorkerRssMb,10:F0} {last.ApiRssMb,7:F0} {last.Instances,10} {last.TablesMb,10:F0} {perTask,41}");
        }

        return table.ToString();
    }

    /// <summary>The CPU a task cost each process in the last third of the sending against minutes 5–10 (the windows the
    /// verdict compares): a process that grew costlier as it ran (a cache that only grows, a plan gone bad) shows here.
    /// Reported, not judged. The sender's pace is fixed, so CPU a task is CPU a second.</summary>
    private static string CpuTrend(List<Sample> samples, TimeSpan duration, int perSecond)
    {
        Cpu? PerTask(TimeSpan from, TimeSpan to)
        {
            Sample? first = samples.FirstOrDefault(s => s.At >= from);
            Sample? last = samples.LastOrDefault(s => s.At <= to);
            return first is null || last is null || last.At <= first.At ? null
                : (last.Cpu - first.Cpu) / (perSecond * (last.At - first.At).TotalSeconds / 1000);
        }

        TimeSpan lastThird = duration * 2 / 3;
        return lastThird >= TimeSpan.FromMinutes(10)
            && PerTask(TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(10)) is { } early && PerTask(lastThird, duration) is { } late
            ? $"CPU ms a task (worker / API / PostgreSQL), minutes 5–10: {early}, the last third: {late}"
            : $"CPU ms a task (worker / API / PostgreSQL) while sending: {PerTask(TimeSpan.Zero, duration)}";
    }

    private static async Task<string> WriteCsvAsync(string resultsFolder, List<Sample> samples, List<Minute> minutes)
    {
        Directory.CreateDirectory(resultsFolder);
        string file = Path.Combine(resultsFolder, $"soak-{DateTime.UtcNow:yyyyMMdd-HHmmss}.csv");
        var csv = new StringBuilder("seconds,worker_rss_mb,api_rss_mb,instances,work_items,instances_mb,history_mb,work_items_mb,inbox_mb,worker_cpu_s,api_cpu_s,postgres_cpu_s\n");
        foreach (Sample s in samples)
        {
            csv.AppendLine(CultureInfo.InvariantCulture,
                $"{s.At.TotalSeconds:F0},{s.WorkerRssMb:F1},{s.ApiRssMb:F1},{s.Instances},{s.WorkItems},{s.InstancesMb:F1},{s.HistoryMb:F1},{s.WorkItemsMb:F1},{s.InboxMb:F1},{s.Cpu.Worker:F2},{s.Cpu.Api:F2},{s.Cpu.Postgres:F2}");
        }

        csv.AppendLine().AppendLine("minute,echo_tasks,echo_p50_ms,echo_p99_ms,echo_wait_p99_ms,echo_run_p99_ms,sequence_p99_ms,post_p99_ms,retried,unfinished");
        foreach (Minute m in minutes)
        {
            csv.AppendLine(CultureInfo.InvariantCulture,
                $"{m.Number},{m.Echoes},{m.EchoP50Ms:F1},{m.EchoP99Ms:F1},{m.EchoWaitP99Ms:F1},{m.EchoRunP99Ms:F1},{m.SequenceP99Ms:F1},{m.AnswerP99Ms:F1},{m.Retried},{m.Unfinished}");
        }

        await File.WriteAllTextAsync(file, csv.ToString());
        return file;
    }

    /// <param name="Cpu">CPU seconds used so far by each process (PostgreSQL's: all of its processes).</param>
    private sealed record Sample(
        TimeSpan At, double WorkerRssMb, double ApiRssMb, long Instances, long WorkItems, double InstancesMb, double HistoryMb, double WorkItemsMb, double InboxMb,
        Cpu Cpu)
    {
        public double TablesMb => this.InstancesMb + this.HistoryMb + this.WorkItemsMb + this.InboxMb;
    }

    /// <param name="EchoWaitP99Ms">Submitted to first leased (the wait for a worker).</param>
    /// <param name="EchoRunP99Ms">First leased to committed (the run, the completion's commit, and any retry).</param>
    /// <param name="Retried">Tasks of the minute, of any type, that needed more than one attempt.</param>
    /// <param name="AnswerP99Ms">The API's answer to the POSTs sent in the minute, as the sender saw it.</param>
    private sealed record Minute(
        int Number, long Echoes, double EchoP50Ms, double EchoP99Ms, double SequenceP99Ms, long Unfinished,
        double EchoWaitP99Ms, double EchoRunP99Ms, long Retried, double AnswerP99Ms);

    /// <summary>CPU, in seconds (a sample's) or in ms a task (a difference over the tasks sent meanwhile).</summary>
    private sealed record Cpu(double Worker, double Api, double Postgres)
    {
        public static Cpu operator -(Cpu later, Cpu earlier) => new(later.Worker - earlier.Worker, later.Api - earlier.Api, later.Postgres - earlier.Postgres);

        public static Cpu operator /(Cpu seconds, double thousandsOfTasks) =>
            new(seconds.Worker / thousandsOfTasks, seconds.Api / thousandsOfTasks, seconds.Postgres / thousandsOfTasks);

        public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{this.Worker:F3} / {this.Api:F3} / {this.Postgres:F3}");
    }

    /// <summary>How long each POST took to be answered, by when it was sent.</summary>
    private sealed class AnswerTimes
    {
        private readonly System.Collections.Concurrent.ConcurrentQueue<(TimeSpan SentAt, TimeSpan Took)> answers = new();

        public void Add(TimeSpan sentAt, TimeSpan took) => this.answers.Enqueue((sentAt, took));

        public double P99Ms(TimeSpan from, TimeSpan to)
        {
            double[] took = [.. this.answers.Where(a => a.SentAt >= from && a.SentAt < to).Select(a => a.Took.TotalMilliseconds).Order()];
            return took.Length == 0 ? double.NaN : took[(int)Math.Ceiling(took.Length * 0.99) - 1];
        }
    }
}
