using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;

namespace TaskFlow.Bench;

/// <summary>Past saturation (<c>./bench/run.sh overload</c>): far more work offered over HTTP than the machine runs
/// at once, as fast as 64 connections carry it, to an API process with admission control at its defaults and one
/// worker process. First a burst of orchestrations (fan-outs of 100 activities, three-step sequences), then 100,000
/// echo tasks, each under an id of its own. Two callers: one task per request, a refused task never sent again (the
/// harshest caller, who ignores Retry-After); or batches, a refused batch sent again after its Retry-After (the polite
/// caller, who gets everything in). Then it waits for every accepted task to end and checks the promises: no 5xx other
/// than 503, every 429/503 with Retry-After, no request unanswered within the client's time-out, every 202 ended in
/// exactly one terminal state, nothing refused exists; and it reports the largest ready backlog it saw.</summary>
internal static class Overload
{
    private const int Connections = 64, Echoes = 100_000, FanOuts = 500, FanOutWidth = 100, Sequences = 1_000;
    private static readonly TimeSpan ClientTimeout = TimeSpan.FromSeconds(30);

    /// <param name="batchSize">1: <c>POST /api/tasks</c>, refused tasks dropped; more: <c>POST /api/tasks/batch</c>,
    /// refused batches sent again after Retry-After.</param>
    public static async Task<ScenarioResult> RunAsync(BenchDatabase db, WorkerFleet fleet, Uri api, string key, int batchSize)
    {
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = Connections }) { BaseAddress = api, Timeout = ClientTimeout };
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("ApiKey", key);
        List<(string Id, string Json)> tasks =
        [
            .. Enumerable.Range(0, FanOuts).Select(i => Offer($"fan-{i}", "fan-out", $"{{\"count\":{FanOutWidth}}}")),
            .. Enumerable.Range(0, Sequences).Select(i => Offer($"seq-{i}", "sequence", "{\"steps\":3}")),
            .. Enumerable.Range(0, Echoes).Select(i => Offer($"echo-{i}", "echo", i.ToString(CultureInfo.InvariantCulture))),
        ];
        List<(string Id, string Json)[]> requests = [.. tasks.Chunk(batchSize)];
        bool polite = batchSize > 1;
        string path = polite ? "/api/tasks/batch" : "/api/tasks";

        var accepted = new ConcurrentBag<string>();
        var refused = new ConcurrentBag<string>();
        var answers = new ConcurrentDictionary<string, int>();
        var latencies = new ConcurrentBag<double>();
        int next = -1, missingRetryAfter = 0, unanswered = 0;
        var clock = Stopwatch.StartNew();
        using var stopSampling = new CancellationTokenSource();
        Task<long> largestBacklog = LargestReadyBacklogAsync(db, stopSampling.Token);
        using var progress = new Timer(_ => Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"[overload] {clock.Elapsed:mm\\:ss} requests {Math.Min(Volatile.Read(ref next) + 1, requests.Count)}/{requests.Count} {string.Join(' ', answers.Select(a => $"{a.Key}={a.Value}"))}")),
            null, TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(10));
        await Task.WhenAll(Enumerable.Range(0, Connections).Select(_ => Task.Run(async () =>
        {
            for (int i = Interlocked.Increment(ref next); i < requests.Count; i = Interlocked.Increment(ref next))
            {
                (string Id, string Json)[] request = requests[i];
                string body = polite ? $"{{\"tasks\":[{string.Join(',', request.Select(t => t.Json))}]}}" : request[0].Json;
                while (true)
                {
                    var one = Stopwatch.StartNew();
                    try
                    {
                        using var content = new StringContent(body, Encoding.UTF8, "application/json");
                        using HttpResponseMessage response = await http.PostAsync(path, content);
                        latencies.Add(one.Elapsed.TotalMilliseconds);
                        answers.AddOrUpdate(((int)response.StatusCode).ToString(CultureInfo.InvariantCulture), 1, (_, n) => n + 1);
                        if (response.StatusCode == HttpStatusCode.Accepted)
                        {
                            Array.ForEach(request, t => accepted.Add(t.Id));
                            break;
                        }

                        TimeSpan? retryAfter = response.Headers.RetryAfter?.Delta;
                        if (response.StatusCode is HttpStatusCode.TooManyRequests or HttpStatusCode.ServiceUnavailable && retryAfter is null)
                        {
                            Interlocked.Increment(ref missingRetryAfter);
                        }

                        if (!polite || retryAfter is not { } wait)
                        {
                            Array.ForEach(request, t => refused.Add(t.Id));
                            break;
                        }

                        await Task.Delay(wait);
                    }
                    catch (Exception exception) when (exception is TaskCanceledException or HttpRequestException)
                    {
                        // The client's time-out (the request waited too long), or a failed connection: no answer at all.
                        Interlocked.Increment(ref unanswered);
                        Array.ForEach(request, t => refused.Add(t.Id));
                        break;
                    }
                }
            }
        })));
        double offerSeconds = clock.Elapsed.TotalSeconds;
        Console.Error.WriteLine($"[overload] offered in {offerSeconds:F1} s; waiting for {accepted.Count} accepted tasks to end");

        await WaitUntilEndedAsync(db, accepted.Count);
        double seconds = clock.Elapsed.TotalSeconds;
        await stopSampling.CancelAsync();
        long backlogPeak = await largestBacklog;
        string verdict = await VerdictAsync(db, accepted, refused, answers, missingRetryAfter, unanswered);
        Console.Error.WriteLine(verdict);
        (List<double> toStart, List<double> toComplete) = await db.LatenciesAsync("true");
        double[] sorted = [.. latencies.Order()];
        string Answered(double p) => sorted[Math.Clamp((int)Math.Ceiling(p / 100 * sorted.Length) - 1, 0, sorted.Length - 1)].ToString("F1", CultureInfo.InvariantCulture);
        string caller = polite
            ? $"batches of {batchSize}, a refused batch sent again after its Retry-After"
            : "one task per request, a refused task not sent again";
        return new ScenarioResult(
            polite ? "overload-batches" : "overload", accepted.Count, accepted.Count / seconds, accepted.Count / offerSeconds, toStart, toComplete, fleet.PeakRssMb(), 0, 0,
            string.Create(CultureInfo.InvariantCulture,
                $"{tasks.Count} tasks ({FanOuts} fan-outs of {FanOutWidth}, {Sequences} sequences, {Echoes} echoes) from {Connections} connections, {caller}, in {offerSeconds:F1} s; " +
                $"answers {string.Join(' ', answers.OrderBy(a => a.Key).Select(a => $"{a.Key}={a.Value}"))}; answered in p50 {Answered(50)} / p99 {Answered(99)} / max {sorted[^1]:F1} ms; " +
                $"largest ready backlog seen {backlogPeak:N0}; per s = accepted tasks over offer + drain ({seconds:F1} s), enqueue/s = accepted over the offer; {verdict}"));
    }

    private static (string Id, string Json) Offer(string id, string type, string input) =>
        ($"overload-{id}", $"{{\"id\":\"overload-{id}\",\"type\":\"{type}\",\"input\":{input}}}");

    /// <summary>The most ready work items (due, not leased) seen in samples every 250 ms.</summary>
    private static async Task<long> LargestReadyBacklogAsync(BenchDatabase db, CancellationToken stop)
    {
        long largest = 0;
        while (!stop.IsCancellationRequested)
        {
            largest = Math.Max(largest, await db.ScalarAsync<long>(
                "SELECT count(*) FROM taskflow.work_items WHERE lease_token IS NULL AND visible_at <= now()"));
            try
            {
                await Task.Delay(250, stop);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        return largest;
    }

    private static async Task WaitUntilEndedAsync(BenchDatabase db, int accepted)
    {
        var waited = Stopwatch.StartNew();
        while (await db.ScalarAsync<long>("SELECT count(*) FROM taskflow.instances WHERE status = ANY(taskflow.finished_statuses())") < accepted)
        {
            if (waited.Elapsed > TimeSpan.FromMinutes(15))
            {
                throw new TimeoutException($"overload: accepted tasks still unfinished after {waited.Elapsed}.");
            }

            await Task.Delay(500);
        }
    }

    /// <summary>The promises, checked; throws when one is broken (the bench then fails, loudly).</summary>
    private static async Task<string> VerdictAsync(
        BenchDatabase db, ConcurrentBag<string> accepted, ConcurrentBag<string> refused, ConcurrentDictionary<string, int> answers, int missingRetryAfter, int unanswered)
    {
        var broken = new List<string>();
        int serverErrors = answers.Where(a => a.Key.StartsWith('5') && a.Key != "503").Sum(a => a.Value);
        if (serverErrors > 0)
        {
            broken.Add($"{serverErrors} answers were 5xx other than 503");
        }

        if (missingRetryAfter > 0)
        {
            broken.Add($"{missingRetryAfter} refusals had no Retry-After");
        }

        if (unanswered > 0)
        {
            broken.Add($"{unanswered} requests got no answer (the client's {ClientTimeout.TotalSeconds:F0} s time-out, or a failed connection)");
        }

        long instances = await db.ScalarAsync<long>("SELECT count(*) FROM taskflow.instances");
        long succeeded = await db.ScalarAsync<long>("SELECT count(*) FROM taskflow.instances WHERE status = 'succeeded'");
        if (instances != accepted.Count || succeeded != accepted.Count)
        {
            broken.Add($"{accepted.Count} accepted, but {instances} tasks exist and {succeeded} succeeded");
        }

        long endedTwiceOrNever = await db.ScalarAsync<long>("""
            SELECT count(*) FROM (
                SELECT i.id FROM taskflow.instances AS i
                LEFT JOIN taskflow.task_history AS h ON h.instance_id = i.id AND h.event_type = 'ExecutionCompleted'
                GROUP BY i.id HAVING count(h.sequence) <> 1) AS wrong
            """);
        if (endedTwiceOrNever > 0)
        {
            broken.Add($"{endedTwiceOrNever} tasks did not end exactly once in their history");
        }

        long refusedButThere = await db.ScalarAsync<long>("SELECT count(*) FROM taskflow.instances WHERE id = ANY(@ids)", ("ids", refused.ToArray()));
        if (refusedButThere > 0)
        {
            broken.Add($"{refusedButThere} refused tasks exist anyway");
        }

        return broken.Count == 0
            ? $"verdict: kept every promise ({accepted.Count} accepted, each ended exactly once; {refused.Count} refused, none exists; every refusal with Retry-After; no other 5xx; every request answered)"
            : throw new InvalidOperationException("overload: " + string.Join("; ", broken));
    }
}
