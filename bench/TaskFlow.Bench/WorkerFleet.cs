using System.Diagnostics;

namespace TaskFlow.Bench;

/// <summary>Real TaskFlow processes (the same binary ./run.sh starts): workers, or an API, or a Durable Task Framework
/// host over TaskFlow's provider; and their peak memory.</summary>
internal sealed class WorkerFleet : IAsyncDisposable
{
    private readonly List<Process> workers = [];

    private WorkerFleet()
    {
    }

    public static WorkerFleet Start(string workerAssembly, string connectionString, int count, int concurrency, params string[] settings)
    {
        var fleet = new WorkerFleet();
        for (int i = 0; i < count; i++)
        {
            fleet.Add(workerAssembly, connectionString, ["--role", "worker", $"--TaskFlow:Worker:Concurrency={concurrency}", .. settings]);
        }

        return fleet;
    }

    /// <summary>Adds an API-only process listening on <paramref name="url"/>.</summary>
    public void StartApi(string assembly, string connectionString, string url, params string[] settings) =>
        this.Add(assembly, connectionString, ["--role", "api", "--urls", url, .. settings]);

    /// <summary>A fleet of one Durable Task Framework host over TaskFlow's provider (tests/TaskFlow.DurableHost).</summary>
    public static WorkerFleet StartDurableHost(string assembly, string connectionString, int concurrency, bool extendedSessions = false)
    {
        var fleet = new WorkerFleet();
        fleet.Add(assembly, connectionString, new Dictionary<string, string>
        {
            ["TASKFLOW_HOST_CONCURRENCY"] = concurrency.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["TASKFLOW_HOST_EXTENDED_SESSIONS"] = extendedSessions ? "true" : "false",
        });
        return fleet;
    }

    private void Add(string assembly, string connectionString, params string[] arguments) =>
        this.Add(assembly, connectionString, new Dictionary<string, string>(), arguments);

    private void Add(string assembly, string connectionString, IReadOnlyDictionary<string, string> environment, params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string argument in new[] { assembly }.Concat(arguments))
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["ConnectionStrings__TaskFlow"] = connectionString;
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        foreach ((string name, string value) in environment)
        {
            start.Environment[name] = value;
        }

        Process worker = Process.Start(start)!;
        worker.OutputDataReceived += (_, _) => { };
        worker.ErrorDataReceived += (_, line) => { if (line.Data is not null) Console.Error.WriteLine($"[worker {worker.Id}] {line.Data}"); };
        worker.BeginOutputReadLine();
        worker.BeginErrorReadLine();
        this.workers.Add(worker);
    }

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
