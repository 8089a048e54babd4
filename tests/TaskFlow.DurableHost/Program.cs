using Microsoft.Extensions.Logging;
using TaskFlow.DurableHost;
using TaskFlow.Leases;
using TaskFlow.Provider;

// Usage: TaskFlow.DurableHost, with ConnectionStrings__TaskFlow set; TASKFLOW_HOST_LOCK_MS, _CONCURRENCY,
// _EPISODE_MS, _ACTIVITY_MS and _ENTITY_MS tune it, and TASKFLOW_HOST_EXTENDED_SESSIONS=true turns extended sessions on. Prints "worker <id>" once it runs; stops on SIGTERM or Ctrl+C.
string connectionString = Environment.GetEnvironmentVariable("ConnectionStrings__TaskFlow")
    ?? throw new InvalidOperationException("Set ConnectionStrings__TaskFlow to the PostgreSQL connection string.");
int concurrency = int.TryParse(Environment.GetEnvironmentVariable("TASKFLOW_HOST_CONCURRENCY"), out int c) ? c : 32;
TimeSpan lockDuration = TimeSpan.FromMilliseconds(int.TryParse(Environment.GetEnvironmentVariable("TASKFLOW_HOST_LOCK_MS"), out int l) ? l : 60_000);
using ILoggerFactory logging = LoggerFactory.Create(builder => builder.AddSimpleConsole().SetMinimumLevel(LogLevel.Warning));

await using DurableHost host = await DurableHost.StartAsync(
    new TaskFlowOrchestrationServiceSettings
    {
        ConnectionString = connectionString,
        MaxConcurrentOrchestrations = concurrency,
        MaxConcurrentActivities = concurrency,
        ExtendedSessionsEnabled = Environment.GetEnvironmentVariable("TASKFLOW_HOST_EXTENDED_SESSIONS") == "true",
        Lease = new LeaseOptions { Duration = lockDuration, RescueInterval = TimeSpan.FromTicks(Math.Min(lockDuration.Ticks / 4, TimeSpan.FromSeconds(5).Ticks)) },
    },
    logging);
Console.WriteLine($"worker {host.Service.WorkerId}");

var stop = new TaskCompletionSource();
using var sigterm = System.Runtime.InteropServices.PosixSignalRegistration.Create(
    System.Runtime.InteropServices.PosixSignal.SIGTERM, context => { context.Cancel = true; stop.TrySetResult(); });
Console.CancelKeyPress += (_, e) => { e.Cancel = true; stop.TrySetResult(); };
await stop.Task;
