using System.Globalization;
using Npgsql;

namespace TaskFlow.Bench;

/// <summary>What a stretch of a scenario cost in CPU and connections, for capacity planning (docs/capacity.md): CPU time
/// (user + system, from /proc) of the TaskFlow processes by role and of PostgreSQL, and the most connections each role
/// held (pg_stat_activity by application name, sampled every 100 ms). On a 2-core box where everything shares the cores,
/// CPU seconds per task are what carries over to a larger machine; tasks per second do not.</summary>
internal sealed class ResourceMeter : IAsyncDisposable
{
    private static readonly double TicksPerSecond = ClockTicks();
    private readonly WorkerFleet fleet;
    private readonly Dictionary<string, double> startCpu;
    private readonly double startPostgres;
    private readonly Dictionary<string, int> peakConnections = [];
    private readonly CancellationTokenSource stop = new();
    private readonly Task sampling;

    private ResourceMeter(WorkerFleet fleet, BenchDatabase db)
    {
        this.fleet = fleet;
        this.startCpu = fleet.CpuSecondsByRole(TicksPerSecond);
        this.startPostgres = PostgresCpuSeconds();
        this.sampling = this.SampleConnectionsAsync(db.DataSource, this.stop.Token);
    }

    public static ResourceMeter Start(WorkerFleet fleet, BenchDatabase db) => new(fleet, db);

    /// <summary>The CPU seconds each role of the fleet, and PostgreSQL, have used so far (the soak reads it every sample).</summary>
    public static (Dictionary<string, double> ByRole, double Postgres) CpuSecondsSoFar(WorkerFleet fleet) =>
        (fleet.CpuSecondsByRole(TicksPerSecond), PostgresCpuSeconds());

    /// <summary>The CPU used since the start, per 1,000 <paramref name="tasks"/>, and the peak connections, as one note.</summary>
    public async Task<string> StopAsync(int tasks)
    {
        await this.stop.CancelAsync();
        await this.sampling;
        Dictionary<string, double> cpu = this.fleet.CpuSecondsByRole(TicksPerSecond);
        double postgres = PostgresCpuSeconds() - this.startPostgres;
        IEnumerable<string> roles = cpu.Keys.Order().Select(role =>
            string.Create(CultureInfo.InvariantCulture, $"{role} {(cpu[role] - this.startCpu.GetValueOrDefault(role)) * 1000 / tasks:F3}"));
        IEnumerable<string> connections = this.peakConnections.OrderBy(p => p.Key).Select(p => $"{p.Key} {p.Value}");
        return string.Create(CultureInfo.InvariantCulture,
            $"CPU s per 1,000 tasks: {string.Join(", ", roles)}, PostgreSQL {postgres * 1000 / tasks:F3}; peak connections: {string.Join(", ", connections)}");
    }

    public async ValueTask DisposeAsync()
    {
        if (!this.stop.IsCancellationRequested)
        {
            await this.stop.CancelAsync();
            await this.sampling;
        }

        this.stop.Dispose();
    }

    /// <summary>All PostgreSQL processes' CPU, the postmaster's reaped children (backends that ended) included. The
    /// benchmark's cluster is the only one running (bench/run.sh starts it; stop any other first).</summary>
    private static double PostgresCpuSeconds()
    {
        double ticks = 0;
        foreach (string folder in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(folder), out _) || Stat(folder) is not { } stat || stat.Command != "postgres")
            {
                continue;
            }

            ticks += stat.UserTicks + stat.SystemTicks;
            if (Stat($"/proc/{stat.ParentId}") is not { Command: "postgres" })
            {
                ticks += stat.ChildUserTicks + stat.ChildSystemTicks; // the postmaster
            }
        }

        return ticks / TicksPerSecond;
    }

    /// <summary>/proc/PID/stat: the command sits in parentheses (it may hold spaces); the fields after it are numbered from 3.</summary>
    internal static ProcessStat? Stat(string folder)
    {
        try
        {
            string text = File.ReadAllText(Path.Combine(folder, "stat"));
            int open = text.IndexOf('('), close = text.LastIndexOf(')');
            string[] fields = text[(close + 2)..].Split(' ');
            long Field(int number) => long.Parse(fields[number - 3], CultureInfo.InvariantCulture);
            return new ProcessStat(text[(open + 1)..close], (int)Field(4), Field(14), Field(15), Field(16), Field(17));
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            return null; // gone meanwhile
        }
    }

    private static double ClockTicks()
    {
        using var getconf = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("getconf", "CLK_TCK") { RedirectStandardOutput = true })!;
        string output = getconf.StandardOutput.ReadToEnd();
        getconf.WaitForExit();
        return double.Parse(output.Trim(), CultureInfo.InvariantCulture);
    }

    private async Task SampleConnectionsAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        const string Sql = "SELECT application_name, count(*)::int FROM pg_stat_activity " +
            "WHERE datname = current_database() AND backend_type = 'client backend' AND application_name LIKE 'taskflow-%' GROUP BY 1";
        while (!cancellationToken.IsCancellationRequested)
        {
            await using (NpgsqlCommand command = dataSource.CreateCommand(Sql))
            await using (NpgsqlDataReader reader = await command.ExecuteReaderAsync(CancellationToken.None))
            {
                while (await reader.ReadAsync(CancellationToken.None))
                {
                    string role = reader.GetString(0)["taskflow-".Length..];
                    this.peakConnections[role] = Math.Max(this.peakConnections.GetValueOrDefault(role), reader.GetInt32(1));
                }
            }

            await Task.Delay(100, cancellationToken).ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }
}

/// <summary>The fields of /proc/PID/stat a meter reads (times in clock ticks).</summary>
internal sealed record ProcessStat(string Command, int ParentId, long UserTicks, long SystemTicks, long ChildUserTicks, long ChildSystemTicks);
