namespace TaskFlow.Bench;

/// <summary>Peak resident set of a process, from the kernel's own high-water mark.</summary>
internal static class PeakRss
{
    /// <summary>VmHWM of the process in MiB (0 when it has gone).</summary>
    public static double OfProcessMb(int processId)
    {
        string status = $"/proc/{processId}/status";
        string? line = File.Exists(status) ? File.ReadLines(status).FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal)) : null;
        return line is null ? 0 : double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) / 1024;
    }
}
