namespace TaskFlow.Bench;

/// <summary>A process's memory, from the kernel's own counters in /proc (0 when it has gone).</summary>
internal static class ProcessMemory
{
    /// <summary>The peak resident set (VmHWM) in MiB.</summary>
    public static double PeakMb(int processId) => Field(processId, "VmHWM:");

    /// <summary>The resident set now (VmRSS) in MiB.</summary>
    public static double ResidentMb(int processId) => Field(processId, "VmRSS:");

    private static double Field(int processId, string name)
    {
        string status = $"/proc/{processId}/status";
        string? line = File.Exists(status) ? File.ReadLines(status).FirstOrDefault(l => l.StartsWith(name, StringComparison.Ordinal)) : null;
        return line is null ? 0 : double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) / 1024;
    }
}
