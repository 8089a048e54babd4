using System.Diagnostics;
using System.Text;

namespace TaskFlow.Testing;

/// <summary>A real TaskFlow worker process (<c>--role worker</c>), the same binary ./run.sh starts, which a test can SIGKILL.</summary>
public sealed class WorkerProcess : IAsyncDisposable
{
    private readonly Process process;
    private readonly StringBuilder output = new();

    private WorkerProcess(Process process)
    {
        this.process = process;
        process.OutputDataReceived += (_, line) => this.Append(line.Data);
        process.ErrorDataReceived += (_, line) => this.Append(line.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public int Id => this.process.Id;

    public bool HasExited => this.process.HasExited;

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

    public static WorkerProcess Start(string connectionString, params string[] settings)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(FunctionsAssemblyPath());
        foreach (string argument in (string[])["--role", "worker", .. TaskFlowServer.FastWorkerSettings, .. settings])
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["ConnectionStrings__TaskFlow"] = connectionString;
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        return new WorkerProcess(Process.Start(start)!);
    }

    /// <summary>SIGKILL, and wait until the process is gone: no shutdown code runs, as when a machine dies.</summary>
    public async Task KillAsync()
    {
        this.process.Kill(entireProcessTree: true);
        await this.process.WaitForExitAsync();
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

    /// <summary>The built TaskFlow.Functions.dll of the same configuration as the running tests.</summary>
    private static string FunctionsAssemblyPath()
    {
        var testOutput = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        string framework = testOutput.Name;
        string configuration = testOutput.Parent!.Name;
        string path = Repository.PathTo("src", "Functions", "bin", configuration, framework, "TaskFlow.Functions.dll");
        return File.Exists(path) ? path : throw new FileNotFoundException($"Build TaskFlow.Functions ({configuration}) first: {path} is missing.");
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
