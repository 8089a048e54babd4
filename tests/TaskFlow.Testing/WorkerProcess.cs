using System.Diagnostics;
using System.Text;
using Npgsql;

namespace TaskFlow.Testing;

/// <summary>A real worker process a test can SIGKILL: a TaskFlow worker (<c>--role worker</c>, the binary ./run.sh starts) or a
/// Durable Task Framework host over TaskFlow's provider.</summary>
public sealed class WorkerProcess : IAsyncDisposable
{
    private readonly Process process;
    private readonly StringBuilder output = new();
    private readonly NpgsqlConnectionStringBuilder connection;

    private WorkerProcess(Process process, NpgsqlConnectionStringBuilder connection)
    {
        this.process = process;
        this.connection = connection;
        process.OutputDataReceived += (_, line) => this.Append(line.Data);
        process.ErrorDataReceived += (_, line) => this.Append(line.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public int Id => this.process.Id;

    public bool HasExited => this.process.HasExited;

    /// <summary>The worker id a Durable host prints first ("worker &lt;id&gt;"), once it has.</summary>
    public async Task<string> AnnouncedWorkerIdAsync()
    {
        string output = await Eventually.WaitForAsync(
            () => Task.FromResult(this.Output), text => text.Contains("worker ", StringComparison.Ordinal), TimeSpan.FromSeconds(30), "the host to start");
        return output[(output.IndexOf("worker ", StringComparison.Ordinal) + "worker ".Length)..].Split('\n')[0].Trim();
    }

    public string Output
    {
        get
        {
            lock (this.output)
            {
                return this.output.ToString();
            }
        }
    }

    public static WorkerProcess Start(string connectionString, params string[] settings) =>
        Launch(ServerAssembly, ["--role", "worker", .. TaskFlowServer.FastWorkerSettings, .. settings], connectionString, new Dictionary<string, string>());

    /// <summary>The server's binary with exactly these arguments and environment (a container's, say).</summary>
    public static WorkerProcess StartServer(IEnumerable<string> arguments, string connectionString, IReadOnlyDictionary<string, string> environment) =>
        Launch(ServerAssembly, arguments, connectionString, environment);

    /// <summary>A Durable Task Framework host over TaskFlow's orchestration service (tests/TaskFlow.DurableHost), with
    /// its tuning (<c>TASKFLOW_HOST_*</c>) in <paramref name="environment"/>. Its first line of output names its worker id.</summary>
    public static WorkerProcess StartDurableHost(string connectionString, IReadOnlyDictionary<string, string> environment) =>
        Launch(BuiltAssembly("tests", "TaskFlow.DurableHost", "TaskFlow.DurableHost.dll"), [], connectionString, environment);

    private static WorkerProcess Launch(string assembly, IEnumerable<string> arguments, string connectionString, IReadOnlyDictionary<string, string> environment)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(assembly);
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // Its own application name, so a test can tell its database sessions from the others'. (An empty string
        // stays empty: tests start workers without one on purpose.)
        var connection = new NpgsqlConnectionStringBuilder(connectionString);
        if (connectionString.Length > 0)
        {
            connection.ApplicationName = $"taskflow-worker-{Guid.NewGuid():N}";
        }

        start.Environment["ConnectionStrings__TaskFlow"] = connection.ToString();
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        foreach ((string name, string value) in environment)
        {
            start.Environment[name] = value;
        }

        return new WorkerProcess(Process.Start(start)!, connection);
    }

    /// <summary>SIGKILL, as when a machine dies: no shutdown code runs. Returns once the process is gone and
    /// PostgreSQL has ended its sessions, so what it had sent has run: a statement on its way when the process
    /// died still runs to its end and commits (a lease, say), and a test counting its leases must see those too.</summary>
    public async Task KillAsync()
    {
        this.process.Kill(entireProcessTree: true);
        await this.process.WaitForExitAsync();
        await using var observer = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(this.connection.ConnectionString)
        {
            ApplicationName = "taskflow-test-observer",
            Pooling = false,
        }.ToString());
        await observer.OpenAsync();
        await using var sessions = new NpgsqlCommand("SELECT count(*) FROM pg_stat_activity WHERE application_name = @name", observer);
        sessions.Parameters.AddWithValue("name", this.connection.ApplicationName!);
        var deadline = Stopwatch.StartNew();
        while ((long)(await sessions.ExecuteScalarAsync())! > 0)
        {
            if (deadline.Elapsed > TimeSpan.FromSeconds(30))
            {
                throw new TimeoutException($"PostgreSQL kept the sessions of killed worker {this.Id} for 30 s.");
            }

            await Task.Delay(20);
        }
    }

    /// <summary>SIGTERM, as a platform stopping the process: it shuts down gracefully.</summary>
    public async Task<int> TerminateAsync(TimeSpan timeout)
    {
        using (Process signal = Process.Start("kill", ["-TERM", this.process.Id.ToString()]))
        {
            await signal.WaitForExitAsync();
        }

        return await this.WaitForExitAsync(timeout);
    }

    /// <summary>Waits for the process to end by itself; returns its exit code.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        await this.process.WaitForExitAsync(deadline.Token);
        return this.process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        if (!this.process.HasExited)
        {
            this.process.Kill(entireProcessTree: true);
        }

        await this.process.WaitForExitAsync();
        this.process.Dispose();
    }

    /// <summary>The built server's DLL, which run.sh runs and the image publishes: the one these processes start.</summary>
    public static string ServerAssembly => BuiltAssembly("src", "Server", "TaskFlow.Server.dll");

    /// <summary>A built assembly of the same configuration and framework as the running tests.</summary>
    private static string BuiltAssembly(string folder, string project, string assembly)
    {
        var testOutput = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        string framework = testOutput.Name;
        string configuration = testOutput.Parent!.Name;
        string path = Repository.PathTo(folder, project, "bin", configuration, framework, assembly);
        return File.Exists(path) ? path : throw new FileNotFoundException($"Build {project} ({configuration}) first: {path} is missing.");
    }

    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (this.output)
            {
                this.output.AppendLine(line);
            }
        }
    }
}
