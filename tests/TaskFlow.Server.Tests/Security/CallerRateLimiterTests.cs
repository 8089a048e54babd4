using System.Security.Claims;
using Microsoft.Extensions.Options;
using TaskFlow.Api.Security;
using TaskFlow.Testing;

namespace TaskFlow.Server.Tests.Security;

/// <summary>The per-caller buckets on a fake clock: forgetting a refilled caller must not forgive one still over, nor
/// give one a second bucket while it takes from the first.</summary>
public sealed class CallerRateLimiterTests
{
    private readonly FakeTimeProvider time = new(DateTimeOffset.Parse("2030-06-01T12:00:00Z"));

    [Fact]
    public void TheMinutelySweep_ForgetsOnlyCallersWhoseBucketHasRefilled()
    {
        var limiter = new CallerRateLimiter(Options.Create(new SecurityOptions()), this.time);
        ClaimsPrincipal early = Caller("key_early"), late = Caller("key_late");

        Assert.Equal(60, TakeAll(limiter, early));
        this.time.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal(60, TakeAll(limiter, late));

        // The sweep is due now: the early caller's bucket is full again, the late one's half full.
        this.time.Advance(TimeSpan.FromSeconds(31));
        Assert.Equal(60, TakeAll(limiter, early));
        Assert.Equal(31, TakeAll(limiter, late));
    }

    [Fact]
    public void AKeysOwnRate_SetsItsBurstAndItsWait()
    {
        var limiter = new CallerRateLimiter(Options.Create(new SecurityOptions()), this.time);
        ClaimsPrincipal fast = Caller("key_fast", new Claim(Callers.RequestsPerMinuteClaim, "600"));

        Assert.Equal(600, TakeAll(limiter, fast));
        Assert.Equal(TimeSpan.FromMilliseconds(100), limiter.TryAdmit(fast));
        this.time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(10, TakeAll(limiter, fast));
    }

    [Fact]
    public void ABurstThatMeetsTheSweep_IsStillOneBucketsWorth()
    {
        // The sweep forgets a full bucket while the same caller's burst is taking from it: the requests that found the
        // old bucket and those that made a new one must not each get a minute's worth (CI saw 61 of 61 admitted).
        ClaimsPrincipal caller = Caller("key_bursting");
        for (int round = 0; round < 200; round++)
        {
            var limiter = new CallerRateLimiter(Options.Create(new SecurityOptions()), this.time);
            Assert.Null(limiter.TryAdmit(caller));
            this.time.Advance(TimeSpan.FromMinutes(1)); // the bucket is full again, and the sweep is due

            int admitted = 0;
            using var start = new Barrier(4);
            Parallel.For(0, 4, new ParallelOptions { MaxDegreeOfParallelism = 4 }, _ =>
            {
                start.SignalAndWait();
                for (int i = 0; i < 20; i++)
                {
                    if (limiter.TryAdmit(caller) is null)
                    {
                        Interlocked.Increment(ref admitted);
                    }
                }
            });

            Assert.Equal(60, admitted);
        }
    }

    private static ClaimsPrincipal Caller(string id, params Claim[] more) =>
        new(new ClaimsIdentity([new Claim(ClaimTypes.Name, id), new Claim(ClaimTypes.Role, "reader-of-nothing"), .. more], "test"));

    /// <summary>How many requests the caller gets through before the first refusal.</summary>
    private static int TakeAll(CallerRateLimiter limiter, ClaimsPrincipal caller)
    {
        int admitted = 0;
        while (limiter.TryAdmit(caller) is null)
        {
            admitted++;
        }

        return admitted;
    }
}
