using System.Collections.Concurrent;
using System.Security.Claims;
using Microsoft.Extensions.Options;

namespace TaskFlow.Api.Security;

/// <summary>A token bucket per caller (key id or token subject): its key's own rate, else the most generous of its
/// roles' defaults. A full bucket allows a burst of a minute's worth. Time comes from the host's
/// <see cref="TimeProvider"/> (System.Threading.RateLimiting's buckets read the real clock).</summary>
internal sealed class CallerRateLimiter(IOptions<SecurityOptions> options, TimeProvider time)
{
    private static readonly TimeSpan SweepEvery = TimeSpan.FromMinutes(1);
    private readonly ConcurrentDictionary<string, TokenBucket> buckets = new(StringComparer.Ordinal);
    private long nextSweepTicks = time.GetUtcNow().Add(SweepEvery).UtcTicks;

    /// <returns>Null when admitted; else how long to wait before trying again.</returns>
    public TimeSpan? TryAdmit(ClaimsPrincipal caller)
    {
        DateTimeOffset now = time.GetUtcNow();
        this.SweepFullBuckets(now);
        int perMinute = PerMinute(caller, options.Value);
        string key = $"{Callers.Id(caller)}|{perMinute}";
        while (true)
        {
            TokenBucket bucket = this.buckets.GetOrAdd(key, static (_, perMinute) => new TokenBucket(perMinute), perMinute);
            if (bucket.TryTake(now, out TimeSpan? retryAfter))
            {
                return retryAfter;
            }

            // The sweep retired it as this request found it; the sweep may not have removed it yet.
            this.buckets.TryRemove(new KeyValuePair<string, TokenBucket>(key, bucket));
        }
    }

    /// <summary>Forgets callers whose bucket has refilled, so that one-off callers do not pile up.</summary>
    private void SweepFullBuckets(DateTimeOffset now)
    {
        long due = Interlocked.Read(ref this.nextSweepTicks);
        if (now.UtcTicks < due || Interlocked.CompareExchange(ref this.nextSweepTicks, now.Add(SweepEvery).UtcTicks, due) != due)
        {
            return;
        }

        foreach (KeyValuePair<string, TokenBucket> bucket in this.buckets)
        {
            if (bucket.Value.TryRetire(now))
            {
                this.buckets.TryRemove(bucket);
            }
        }
    }

    private static int PerMinute(ClaimsPrincipal caller, SecurityOptions options) =>
        caller.FindFirst(Callers.RequestsPerMinuteClaim)?.Value is { } own && int.TryParse(own, out int perMinute)
            ? perMinute
            : options.RequestsPerMinute.Where(role => caller.IsInRole(role.Key)).Select(role => role.Value).DefaultIfEmpty(60).Max();
}
