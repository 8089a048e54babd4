using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Net;
using Microsoft.Extensions.Options;
using TaskFlow.Logging;

namespace TaskFlow.Api.Security;

/// <summary>Counts failed authentications per client address; too many within the window lock the address out for a
/// while (per process: an attacker spread over many processes is slowed by each). Lockouts are logged and counted
/// (<c>taskflow.auth.lockouts</c>).</summary>
internal sealed partial class LockoutTracker(IOptions<SecurityOptions> options, TimeProvider time, ILogger<LockoutTracker> logger)
{
    public const string MeterName = "TaskFlow.Security";
    private static readonly Meter Meter = new(MeterName);
    private static readonly Counter<long> Lockouts = Meter.CreateCounter<long>("taskflow.auth.lockouts", description: "Client addresses locked out after repeated failed authentication");
    private readonly ConcurrentDictionary<string, Failures> byAddress = new(StringComparer.Ordinal);

    /// <summary>When the address's lockout ends, if it is locked out now.</summary>
    public DateTimeOffset? LockedUntil(IPAddress? address)
    {
        DateTimeOffset now = time.GetUtcNow();
        return this.byAddress.TryGetValue(Key(address), out Failures? failures) && failures.LockedUntil is { } until && until > now ? until : null;
    }

    public void RecordFailure(IPAddress? address)
    {
        SecurityOptions.LockoutOptions lockout = options.Value.Lockout;
        DateTimeOffset now = time.GetUtcNow();
        Failures failures = this.byAddress.GetOrAdd(Key(address), _ => new Failures());
        lock (failures)
        {
            failures.Times.Enqueue(now);
            while (failures.Times.Count > 0 && failures.Times.Peek() <= now - lockout.Window)
            {
                failures.Times.Dequeue();
            }

            if (failures.Times.Count >= lockout.MaxFailures && !(failures.LockedUntil > now))
            {
                failures.LockedUntil = now + lockout.Duration;
                failures.Times.Clear();
                Lockouts.Add(1);
                LogLockedOut(logger, Key(address), lockout.MaxFailures, lockout.Duration);
            }
        }
    }

    private static string Key(IPAddress? address) => address?.ToString() ?? "unknown";

    [LoggerMessage(EventId = EventIds.ClientLockedOut, Level = LogLevel.Warning, Message = "Client {Address} locked out for {Duration} after {Failures} failed authentications")]
    private static partial void LogLockedOut(ILogger logger, string address, int failures, TimeSpan duration);

    private sealed class Failures
    {
        public Queue<DateTimeOffset> Times { get; } = new();

        public DateTimeOffset? LockedUntil { get; set; }
    }
}
