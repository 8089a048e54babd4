using System.Diagnostics;
using System.Reflection;
using System.Text.Json;
using System.Text.RegularExpressions;
using TaskFlow.Dispatch.Doorbells;
using TaskFlow.Functions.Hosting;
using TaskFlow.Functions.Triggers;
using TaskFlow.Testing;

namespace TaskFlow.Functions.Tests.Triggers;

/// <summary>The Azure deployment files agree with the code: the Bicep parses, the settings it gives the app are
/// ones TaskFlow reads, and every function.json names a function the handler serves and a setting that is set.</summary>
public sealed partial class DeploymentSettingsTests
{
    private static readonly string FunctionApp = Repository.PathTo("src", "Functions", "FunctionApp");

    [Fact]
    public async Task Every_bicep_file_parses()
    {
        string[] files = Directory.GetFiles(Repository.PathTo("infra"), "*.bicep", SearchOption.AllDirectories);
        Assert.NotEmpty(files);

        (int exitCode, string output) = await NodeAsync(["scripts/bicep-check.js", .. files]);

        Assert.True(exitCode == 0, output);
    }

    [Fact]
    public async Task The_app_settings_the_template_sets_are_the_ones_TaskFlow_reads()
    {
        string[] settings = await BicepAppSettingsAsync();

        // Everything TaskFlow needs in the Functions role is set.
        Assert.Contains($"ConnectionStrings__{TaskFlowApp.ConnectionStringName}", settings);
        Assert.Contains("TaskFlow__Dispatch__Mode", settings);
        Assert.Contains("TaskFlow__Dispatch__QueueConnection", settings);

        // And every TaskFlow setting it sets names an option that exists (a typo would be silently ignored).
        foreach (string setting in settings.Where(s => s.StartsWith("TaskFlow__", StringComparison.Ordinal)))
        {
            string[] path = setting.Split("__");
            Assert.True(
                $"{path[0]}:{path[1]}" == QueueDispatchOptions.Section && typeof(QueueDispatchOptions).GetProperty(path[2], BindingFlags.Public | BindingFlags.Instance) is not null,
                $"The template sets {setting}, which TaskFlow does not read.");
        }

        foreach (string setting in settings.Where(s => s.StartsWith("ConnectionStrings__", StringComparison.Ordinal)))
        {
            Assert.Equal($"ConnectionStrings__{TaskFlowApp.ConnectionStringName}", setting);
        }
    }

    [Fact]
    public async Task Every_function_json_names_a_served_function_and_settings_that_are_set()
    {
        string[] bicepSettings = await BicepAppSettingsAsync();
        Dictionary<string, JsonElement> localSettings = JsonDocument.Parse(File.ReadAllText(Repository.PathTo("local.settings.json.example")))
            .RootElement.GetProperty("Values").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.Clone());
        Assert.Equal("Custom", localSettings["FUNCTIONS_WORKER_RUNTIME"].GetString());
        Assert.Equal("UseDevelopmentStorage=true", localSettings["AzureWebJobsStorage"].GetString());

        string[] functions = Directory.GetDirectories(FunctionApp).Select(Path.GetFileName).Order().ToArray()!;
        Assert.Equal(
            new[] { "ActivityDoorbell", "Api", FunctionsHost.Maintenance, FunctionsHost.OrchestrationDoorbell, FunctionsHost.TimerDoorbell }.Order(),
            functions);
        foreach (string function in functions)
        {
            string json = File.ReadAllText(Path.Combine(FunctionApp, function, "function.json"));
            foreach (string setting in SettingReference().Matches(json).Select(m => m.Groups[1].Value))
            {
                Assert.True(bicepSettings.Contains(setting), $"{function}/function.json reads %{setting}%, which the template does not set.");
                Assert.True(localSettings.ContainsKey(setting), $"{function}/function.json reads %{setting}%, which local.settings.json.example does not set.");
            }

            JsonElement trigger = JsonDocument.Parse(json).RootElement.GetProperty("bindings")[0];
            if (trigger.GetProperty("type").GetString() == "queueTrigger")
            {
                // The queue name must be the one the ringer puts this kind's doorbells on: {prefix}-{kind}.
                string kind = function.Replace("Doorbell", string.Empty, StringComparison.Ordinal).ToLowerInvariant();
                Assert.Equal($"%TaskFlow__Dispatch__QueuePrefix%-{kind}", trigger.GetProperty("queueName").GetString());
                Assert.Equal("doorbell", trigger.GetProperty("name").GetString());
            }
        }
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
        var start = new ProcessStartInfo("node") { WorkingDirectory = Repository.Root, RedirectStandardOutput = true, RedirectStandardError = true };
        arguments.ToList().ForEach(start.ArgumentList.Add);
        using Process node = Process.Start(start)!;
        Task<string> output = node.StandardOutput.ReadToEndAsync();
        Task<string> errors = node.StandardError.ReadToEndAsync();
        await node.WaitForExitAsync();
        return (node.ExitCode, (await output) + (await errors));
    }

    [GeneratedRegex("%([A-Za-z0-9_]+)%")]
    private static partial Regex SettingReference();
}
