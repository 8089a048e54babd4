namespace TaskFlow.Api.Security;

/// <summary>A caller's bucket: holds up to a minute's worth of requests and refills continuously at its rate. Kept
/// as the time the bucket will be full again (the generic cell rate algorithm), in whole ticks, so that a fake clock
/// moved by exactly one request's worth admits exactly one request. Time is passed in, from the host's
/// <see cref="TimeProvider"/>.</summary>
internal sealed class TokenBucket(int perMinute)
{
    private readonly long ticksPerRequest = TimeSpan.TicksPerMinute / perMinute;
    private readonly Lock gate = new();
    private long fullAtTicks;

    /// <returns>Null when the request fits in the bucket; else how long until it would.</returns>
    public TimeSpan? TryTake(DateTimeOffset now)
    {
        lock (this.gate)
        {
            long fullAt = Math.Max(this.fullAtTicks, now.UtcTicks);

            // Taking one more request must leave the bucket no more than a minute's worth from full.
            long overBy = fullAt + this.ticksPerRequest - now.UtcTicks - (this.ticksPerRequest * perMinute);
            if (overBy > 0)
            {
                return TimeSpan.FromTicks(overBy);
            }

            this.fullAtTicks = fullAt + this.ticksPerRequest;
            return null;
        }
    }

    /// <summary>A full bucket is the same as none: the caller may forget it.</summary>
    public bool IsFullAt(DateTimeOffset now)
    {
        lock (this.gate)
        {
            return this.fullAtTicks <= now.UtcTicks;
        }
    }
}
