using System.Text.Json;
using TaskFlow.Testing;

namespace TaskFlow.Server.Tests.Deployment;

/// <summary>The .NET runtime settings the server's processes start with, from the runtimeconfig beside the DLL that run.sh
/// runs and the image publishes (the processes these tests start read the same file).</summary>
public sealed class RuntimeSettingsTests
{
    [Fact]
    public void The_thread_pools_idle_threads_sleep_without_spinning_first()
    {
        // Spinning threads took 28-31 % of the worker's and the API's CPU on cores PostgreSQL needs
        // (docs/operations.md, "The server's thread pool on a small machine").
        string runtimeConfig = Path.ChangeExtension(WorkerProcess.ServerAssembly, ".runtimeconfig.json");
        using JsonDocument document = JsonDocument.Parse(File.ReadAllText(runtimeConfig));
        JsonElement settings = document.RootElement.GetProperty("runtimeOptions").GetProperty("configProperties");

        Assert.True(
            settings.TryGetProperty("System.Threading.ThreadPool.UnfairSemaphoreSpinLimit", out JsonElement spinLimit),
            $"{runtimeConfig} sets no spin limit: {settings}");
        Assert.Equal(0, spinLimit.GetInt32());
    }
}
