using System.Text.Json;
using TaskFlow.Testing;

namespace TaskFlow.Functions.Tests;

/// <summary>The Azure deployment agrees with the Function App: the Bicep parses, and the app settings it gives are the
/// ones the worker, the host and host.json read.</summary>
public sealed class DeploymentSettingsTests
{
    [Fact]
    public async Task EveryBicepFile_Parses()
    {
        string[] files = Directory.GetFiles(Repository.PathTo("infra"), "*.bicep", SearchOption.AllDirectories);
        Assert.NotEmpty(files);

        (int exitCode, string output) = await NodeAsync(["scripts/bicep-check.js", .. files]);

        Assert.True(exitCode == 0, output);
    }

    [Fact]
    public async Task TheTemplate_SetsWhatTheIsolatedAppReads_AndNothingOfTheCustomHandler()
    {
        string[] settings = await BicepAppSettingsAsync();

        // The isolated worker, the host's storage and Application Insights.
        Assert.Contains("FUNCTIONS_WORKER_RUNTIME", settings);
        Assert.Contains("FUNCTIONS_EXTENSION_VERSION", settings);
        Assert.Contains("AzureWebJobsStorage__accountName", settings);
        Assert.Contains("APPLICATIONINSIGHTS_CONNECTION_STRING", settings);

        // The PostgreSQL connection string under the name the worker reads and host.json gives the Durable provider.
        Assert.Contains(FunctionAppServices.ConnectionSetting, settings);
        using JsonDocument host = JsonDocument.Parse(File.ReadAllText(Repository.PathTo("host.json")));
        Assert.Contains(
            host.RootElement.GetProperty("extensions").GetProperty("durableTask").GetProperty("storageProvider").GetProperty("connectionStringName").GetString(),
            settings);

        // The custom handler's queue dispatch settings are gone with it.
        Assert.DoesNotContain(settings, setting => setting.StartsWith("TaskFlow__", StringComparison.Ordinal) || setting.StartsWith("ConnectionStrings__", StringComparison.Ordinal));
    }

    private static async Task<string[]> BicepAppSettingsAsync()
    {
        (int exitCode, string output) = await NodeAsync(["scripts/bicep-check.js", "--app-settings", Repository.PathTo("infra", "bicep", "main.bicep")]);
        Assert.True(exitCode == 0, output);
        return JsonSerializer.Deserialize<string[]>(output)!;
    }

    /// <summary>Runs Node in the repository (./test.sh installed its packages with npm ci).</summary>
    private static async Task<(int ExitCode, string Output)> NodeAsync(string[] arguments)
    {
        (int exitCode, string output, string errors) = await Commands.RunAsync("node", arguments);
        return (exitCode, output + errors);
    }
}
