using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;

namespace TaskFlow.Bench;

/// <summary>Past saturation (<c>./bench/run.sh overload</c>): far more work offered over HTTP than one worker can run,
/// as fast as 64 connections carry it, to an API process with admission control at its defaults. First a burst of
/// orchestrations (fan-outs of 100 activities and three-step sequences), then 100,000 echo tasks. Each task is offered
/// once, under an id of its own: a refused one is not sent again (the harshest caller, who ignores Retry-After). Then it
/// waits for every accepted task to end and checks the promises: no 5xx other than 503, every 429/503 with Retry-After,
/// no answer slower than the client's time-out, every 202 ended in exactly one terminal state, nothing refused exists.</summary>
internal static class Overload
{
    private const int Connections = 64, Echoes = 100_000, FanOuts = 500, FanOutWidth = 100, Sequences = 1_000;
    private static readonly TimeSpan ClientTimeout = TimeSpan.FromSeconds(30);

    public static async Task<ScenarioResult> RunAsync(BenchDatabase db, WorkerFleet fleet, Uri api, string key)
    {
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = Connections }) { BaseAddress = api, Timeout = ClientTimeout };
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("ApiKey", key);
        List<(string Id, string Body)> offers =
        [
            .. Enumerable.Range(0, FanOuts).Select(i => Offer($"fan-{i}", "fan-out", $"{{\"count\":{FanOutWidth}}}")),
            .. Enumerable.Range(0, Sequences).Select(i => Offer($"seq-{i}", "sequence", "{\"steps\":3}")),
            .. Enumerable.Range(0, Echoes).Select(i => Offer($"echo-{i}", "echo", i.ToString(CultureInfo.InvariantCulture))),
        ];

        var accepted = new ConcurrentBag<string>();
        var refused = new ConcurrentBag<string>();
        var answers = new ConcurrentDictionary<string, int>();
        var latencies = new ConcurrentBag<double>();
        int next = -1, missingRetryAfter = 0, timedOut = 0, unanswered = 0;
        var clock = Stopwatch.StartNew();
        using var progress = new Timer(_ => Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"[overload] {clock.Elapsed:mm\\:ss} offered {Math.Min(Volatile.Read(ref next) + 1, offers.Count)} {string.Join(' ', answers.Select(a => $"{a.Key}={a.Value}"))}")),
            null, TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(10));
        await Task.WhenAll(Enumerable.Range(0, Connections).Select(_ => Task.Run(async () =>
        {
            for (int i = Interlocked.Increment(ref next); i < offers.Count; i = Interlocked.Increment(ref next))
            {
                (string id, string body) = offers[i];
                var one = Stopwatch.StartNew();
                try
                {
                    using var content = new StringContent(body, Encoding.UTF8, "application/json");
                    using HttpResponseMessage response = await http.PostAsync("/api/tasks", content);
                    latencies.Add(one.Elapsed.TotalMilliseconds);
                    answers.AddOrUpdate(((int)response.StatusCode).ToString(CultureInfo.InvariantCulture), 1, (_, n) => n + 1);
                    (response.StatusCode == HttpStatusCode.Accepted ? accepted : refused).Add(id);
                    if (response.StatusCode is HttpStatusCode.TooManyRequests or HttpStatusCode.ServiceUnavailable && response.Headers.RetryAfter is null)
                    {
                        Interlocked.Increment(ref missingRetryAfter);
                    }
                }
                catch (TaskCanceledException)
                {
                    Interlocked.Increment(ref timedOut); // the client's time-out: the request waited too long
                    refused.Add(id);
                }
                catch (HttpRequestException)
                {
                    Interlocked.Increment(ref unanswered); // the connection failed: no answer at all
                    refused.Add(id);
                }
            }
        })));
        double offerSeconds = clock.Elapsed.TotalSeconds;
        Console.Error.WriteLine($"[overload] offered in {offerSeconds:F1} s; waiting for {accepted.Count} accepted tasks to end");

        await WaitUntilEndedAsync(db, accepted.Count);
        double seconds = clock.Elapsed.TotalSeconds;
        string verdict = await VerdictAsync(db, accepted, refused, answers, missingRetryAfter, timedOut + unanswered);
        Console.Error.WriteLine(verdict);
        (List<double> toStart, List<double> toComplete) = await db.LatenciesAsync("true");
        double[] sorted = [.. latencies.Order()];
        string Answered(double p) => sorted[Math.Clamp((int)Math.Ceiling(p / 100 * sorted.Length) - 1, 0, sorted.Length - 1)].ToString("F1", CultureInfo.InvariantCulture);
        return new ScenarioResult(
            "overload", accepted.Count, accepted.Count / seconds, accepted.Count / offerSeconds, toStart, toComplete, fleet.PeakRssMb(), 0, 0,
            string.Create(CultureInfo.InvariantCulture,
                $"{offers.Count} offered ({FanOuts} fan-outs of {FanOutWidth}, {Sequences} sequences, {Echoes} echoes) from {Connections} connections in {offerSeconds:F1} s, each once; " +
                $"answers {string.Join(' ', answers.OrderBy(a => a.Key).Select(a => $"{a.Key}={a.Value}"))}; answered in p50 {Answered(50)} / p99 {Answered(99)} / max {sorted[^1]:F1} ms; " +
                $"per s = accepted tasks over offer + drain ({seconds:F1} s), enqueue/s = accepted over the offer; {verdict}"));
    }

    private static (string Id, string Body) Offer(string id, string type, string input) =>
        (id, $"{{\"id\":\"overload-{id}\",\"type\":\"{type}\",\"input\":{input}}}");

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

        string[] refusedIds = [.. refused.Select(id => $"overload-{id}")];
        long refusedButThere = await db.ScalarAsync<long>("SELECT count(*) FROM taskflow.instances WHERE id = ANY(@ids)", ("ids", refusedIds));
        if (refusedButThere > 0)
        {
            broken.Add($"{refusedButThere} refused tasks exist anyway");
        }

        return broken.Count == 0
            ? $"verdict: kept every promise ({accepted.Count} accepted, each ended exactly once; {refused.Count} refused, none exists; every refusal with Retry-After; no other 5xx; no time-out)"
            : throw new InvalidOperationException("overload: " + string.Join("; ", broken));
    }
}
