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

    private bool retired;

    /// <param name="retryAfter">Null when the request fits in the bucket; else how long until it would.</param>
    /// <returns>False when the bucket was retired meanwhile (<see cref="TryRetire"/>): take from the caller's new one.</returns>
    public bool TryTake(DateTimeOffset now, out TimeSpan? retryAfter)
    {
        lock (this.gate)
        {
            retryAfter = null;
            if (this.retired)
            {
                return false;
            }

            long fullAt = Math.Max(this.fullAtTicks, now.UtcTicks);

            // Taking one more request must leave the bucket no more than a minute's worth from full.
            long overBy = fullAt + this.ticksPerRequest - now.UtcTicks - (this.ticksPerRequest * perMinute);
            if (overBy > 0)
            {
                retryAfter = TimeSpan.FromTicks(overBy);
                return true;
            }

            this.fullAtTicks = fullAt + this.ticksPerRequest;
            return true;
        }
    }

    /// <summary>Retires the bucket if it is full, the same as none, so the caller may forget it. From then on it takes
    /// nothing: a request that found it just before it was forgotten takes from the caller's new bucket instead, so the
    /// two never each give a burst.</summary>
    public bool TryRetire(DateTimeOffset now)
    {
        lock (this.gate)
        {
            this.retired |= this.fullAtTicks <= now.UtcTicks;
            return this.retired;
        }
    }
}
