using System.Security.Claims;
using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;

namespace TaskFlow.Api.Security;

/// <summary>A token bucket per caller (key id or token subject): its key's own rate, else the most generous of its
/// roles' defaults. A full bucket allows a burst of a minute's worth.</summary>
internal sealed class CallerRateLimiter(IOptions<SecurityOptions> options) : IDisposable
{
    private readonly PartitionedRateLimiter<ClaimsPrincipal> limiter = PartitionedRateLimiter.Create<ClaimsPrincipal, string>(caller =>
        RateLimitPartition.GetTokenBucketLimiter($"{Callers.Id(caller)}|{PerMinute(caller, options.Value)}", _ =>
        {
            // A minute's worth refills over the minute: a token every 60/rate seconds up to 60 a minute, else a
            // second's share every second.
            int perMinute = PerMinute(caller, options.Value);
            return new TokenBucketRateLimiterOptions
            {
                TokenLimit = perMinute,
                TokensPerPeriod = perMinute <= 60 ? 1 : (int)Math.Ceiling(perMinute / 60.0),
                ReplenishmentPeriod = perMinute <= 60 ? TimeSpan.FromSeconds(60.0 / perMinute) : TimeSpan.FromSeconds(1),
                QueueLimit = 0,
                AutoReplenishment = true,
            };
        }));

    /// <returns>Null when admitted; else how long to wait before trying again.</returns>
    public TimeSpan? TryAdmit(ClaimsPrincipal caller)
    {
        using RateLimitLease lease = this.limiter.AttemptAcquire(caller);
        return lease.IsAcquired
            ? null
            : lease.TryGetMetadata(MetadataName.RetryAfter, out TimeSpan retryAfter) ? retryAfter : TimeSpan.FromSeconds(1);
    }

    public void Dispose() => this.limiter.Dispose();

    private static int PerMinute(ClaimsPrincipal caller, SecurityOptions options) =>
        caller.FindFirst(Callers.RequestsPerMinuteClaim)?.Value is { } own && int.TryParse(own, out int perMinute)
            ? perMinute
            : options.RequestsPerMinute.Where(role => caller.IsInRole(role.Key)).Select(role => role.Value).DefaultIfEmpty(60).Max();
}
