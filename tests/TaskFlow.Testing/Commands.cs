using System.Diagnostics;

namespace TaskFlow.Testing;

/// <summary>Programs a test runs to their end in the repository's root (node, helm, bash scripts).</summary>
public static class Commands
{
    /// <summary>Runs <paramref name="program"/> with <paramref name="arguments"/>; its exit code, standard output and errors.</summary>
    public static async Task<(int ExitCode, string Output, string Errors)> RunAsync(string program, params string[] arguments)
    {
        var start = new ProcessStartInfo(program) { WorkingDirectory = Repository.Root, RedirectStandardOutput = true, RedirectStandardError = true };
        arguments.ToList().ForEach(start.ArgumentList.Add);
        using Process process = Process.Start(start)!;
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await output, await errors);
    }
}
