using System.Diagnostics;

namespace TaskFlow.Bench;

/// <summary>Real TaskFlow processes (the same binary ./run.sh starts): workers, or an API, or a Durable Task Framework
/// host over TaskFlow's provider; and their peak memory.</summary>
internal sealed class WorkerFleet : IAsyncDisposable
{
    private readonly List<Process> workers = [];
    private readonly List<string> roles = [];

    private WorkerFleet()
    {
    }

    public static WorkerFleet Start(string workerAssembly, string connectionString, int count, int concurrency, params string[] settings)
    {
        var fleet = new WorkerFleet();
        for (int i = 0; i < count; i++)
        {
            fleet.Add(workerAssembly, connectionString, "worker", ["--role", "worker", $"--TaskFlow:Worker:Concurrency={concurrency}", .. settings]);
        }

        return fleet;
    }

    /// <summary>Adds an API-only process listening on <paramref name="url"/>.</summary>
    public void StartApi(string assembly, string connectionString, string url, params string[] settings) =>
        this.Add(assembly, connectionString, "api", ["--role", "api", "--urls", url, .. settings]);

    /// <summary>A fleet of one Durable Task Framework host over TaskFlow's provider (tests/TaskFlow.DurableHost).</summary>
    public static WorkerFleet StartDurableHost(string assembly, string connectionString, int concurrency, bool extendedSessions = false)
    {
        var fleet = new WorkerFleet();
        fleet.Add(assembly, connectionString, "durable-host", new Dictionary<string, string>
        {
            ["TASKFLOW_HOST_CONCURRENCY"] = concurrency.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["TASKFLOW_HOST_EXTENDED_SESSIONS"] = extendedSessions ? "true" : "false",
        });
        return fleet;
    }

    private void Add(string assembly, string connectionString, string role, params string[] arguments) =>
        this.Add(assembly, connectionString, role, new Dictionary<string, string>(), arguments);

    /// <param name="role">What the process is, also its sessions' application name (taskflow-ROLE), so a
    /// <see cref="ResourceMeter"/> can count them.</param>
    private void Add(string assembly, string connectionString, string role, IReadOnlyDictionary<string, string> environment, params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string argument in new[] { assembly }.Concat(arguments))
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["ConnectionStrings__TaskFlow"] = new Npgsql.NpgsqlConnectionStringBuilder(connectionString) { ApplicationName = $"taskflow-{role}" }.ToString();
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        foreach ((string name, string value) in environment)
        {
            start.Environment[name] = value;
        }

        Process worker = Process.Start(start)!;
        // Their warnings and errors (the console logger writes to standard output) go with the bench's own output, so a
        // run that went wrong says why: a rescued lease, a failed commit.
        DataReceivedEventHandler forward = (_, line) => { if (line.Data is not null) Console.Error.WriteLine($"[{role} {worker.Id}] {line.Data}"); };
        worker.OutputDataReceived += forward;
        worker.ErrorDataReceived += forward;
        worker.BeginOutputReadLine();
        worker.BeginErrorReadLine();
        this.workers.Add(worker);
        this.roles.Add(role);
    }

    /// <summary>CPU time (user + system) each role's processes have used so far, in seconds.</summary>
    public Dictionary<string, double> CpuSecondsByRole(double ticksPerSecond) => this.workers
        .Select((worker, i) => (role: this.roles[i], stat: ResourceMeter.Stat($"/proc/{worker.Id}")))
        .GroupBy(p => p.role)
        .ToDictionary(g => g.Key, g => g.Sum(p => p.stat is { } s ? (s.UserTicks + s.SystemTicks) / ticksPerSecond : 0));

    /// <summary>The largest peak resident set (VmHWM) of any worker so far, in MiB.</summary>
    public double PeakRssMb() => this.workers.Max(worker => ProcessMemory.PeakMb(worker.Id));

    /// <summary>The processes' ids, in the order they were started.</summary>
    public IReadOnlyList<int> ProcessIds => this.workers.Select(worker => worker.Id).ToList();

    public async ValueTask DisposeAsync()
    {
        foreach (Process worker in this.workers)
        {
            if (!worker.HasExited)
            {
                worker.Kill(entireProcessTree: true);
            }

            await worker.WaitForExitAsync();
            worker.Dispose();
        }
    }
}
