using System.Text.Json;
using TaskFlow.Testing;

namespace TaskFlow.Functions.Tests;

/// <summary>What the Functions host reads from the built app (it cannot run here): the function list with triggers
/// and routes, the extensions it loads, and host.json's choice of storage provider.</summary>
public sealed class FunctionAppOutputTests
{
    private static readonly string Output = Path.GetDirectoryName(typeof(FunctionAppServices).Assembly.Location)!;

    public static TheoryData<string, string, string> HttpFunctions => new()
    {
        { "SubmitTask", "post", "tasks" }, { "SubmitTaskBatch", "post", "tasks/batch" }, { "ListTasks", "get", "tasks" },
        { "CountTasks", "get", "tasks/counts" }, { "GetTask", "get", "tasks/{id}" }, { "GetTaskHistory", "get", "tasks/{id}/history" },
        { "CancelTask", "post", "tasks/{id}/cancel" }, { "RetryTask", "post", "tasks/{id}/retry" }, { "SuspendTask", "post", "tasks/{id}/suspend" },
        { "ResumeTask", "post", "tasks/{id}/resume" }, { "RaiseTaskEvent", "post", "tasks/{id}/events/{name}" }, { "PurgeTask", "delete", "tasks/{id}" },
        { "CreateSchedule", "post", "schedules" }, { "ListSchedules", "get", "schedules" }, { "GetSchedule", "get", "schedules/{name}" },
        { "GetScheduleHistory", "get", "schedules/{name}/history" }, { "PutSchedule", "put", "schedules/{name}" },
        { "DeleteSchedule", "delete", "schedules/{name}" }, { "PauseSchedule", "post", "schedules/{name}/pause" },
        { "ResumeSchedule", "post", "schedules/{name}/resume" }, { "TriggerSchedule", "post", "schedules/{name}/trigger" },
        { "ListDeadLetter", "get", "dead-letter" }, { "ListWorkers", "get", "workers" }, { "Health", "get", "healthz" }, { "Ready", "get", "readyz" },
        { "CreateKey", "post", "keys" }, { "ListKeys", "get", "keys" }, { "GetKey", "get", "keys/{id}" }, { "RevokeKey", "post", "keys/{id}/revoke" },
        { "DeleteKey", "delete", "keys/{id}" },
    };

    [Theory]
    [MemberData(nameof(HttpFunctions))]
    public void FunctionsMetadata_HasEachHttpFunction_WithItsMethodAndRoute(string name, string method, string route)
    {
        JsonElement trigger = Trigger(name);
        Assert.Equal("httpTrigger", trigger.GetProperty("type").GetString());
        Assert.Equal(route, trigger.GetProperty("route").GetString());
        Assert.Equal([method], trigger.GetProperty("methods").EnumerateArray().Select(m => m.GetString()));
    }

    [Fact]
    public void FunctionsMetadata_HasTheTimerAndEveryTaskTypeFunction_AndNothingElse()
    {
        Assert.Equal("*/5 * * * * *", Trigger("Maintenance").GetProperty("schedule").GetString());
        string[] orchestrators = ["sequence", "fan-out", "approval", "countdown", "batch-of-batches", "taskflow-activity"];
        string[] activities = ["echo", "sleep", "flaky", "http"];
        Assert.All(orchestrators, name => Assert.Equal("orchestrationTrigger", Trigger(name).GetProperty("type").GetString()));
        Assert.All(activities, name => Assert.Equal("activityTrigger", Trigger(name).GetProperty("type").GetString()));
        Assert.Equal(
            HttpFunctions.Select(row => (string)row[0]).Concat(orchestrators).Concat(activities).Append("Maintenance").Order(),
            Metadata().Select(f => f.GetProperty("name").GetString()!).Order());
    }

    [Fact]
    public void SubmitTask_HasTheDurableClientBinding()
    {
        JsonElement submit = Metadata().Single(f => f.GetProperty("name").GetString() == "SubmitTask");
        Assert.Contains(submit.GetProperty("bindings").EnumerateArray(), b => b.GetProperty("type").GetString() == "durableClient");
    }

    [Fact]
    public void ExtensionsJson_LoadsTheDurableExtensionAndTaskFlowsProvider_FromTheAppsExtensionsFolder()
    {
        using JsonDocument extensions = JsonDocument.Parse(File.ReadAllText(Path.Combine(Output, "extensions.json")));
        string[] startups = extensions.RootElement.GetProperty("extensions").EnumerateArray().Select(e => e.GetProperty("typeName").GetString()!).ToArray();
        Assert.Contains(startups, s => s.StartsWith("Microsoft.Azure.WebJobs.Extensions.DurableTask.DurableTaskWebJobsStartup,", StringComparison.Ordinal));
        Assert.Contains(startups, s => s.StartsWith("TaskFlow.WebJobs.TaskFlowDurabilityProviderStartup,", StringComparison.Ordinal));
        Assert.True(File.Exists(Path.Combine(Output, ".azurefunctions", "TaskFlow.WebJobs.Extensions.DurableTask.dll")));
        Assert.True(File.Exists(Path.Combine(Output, ".azurefunctions", "TaskFlow.Core.dll")));
    }

    [Fact]
    public void HostJson_SelectsTaskFlowsProvider_WithTheConnectionSettingTheWorkerReadsToo()
    {
        using JsonDocument host = JsonDocument.Parse(File.ReadAllText(Path.Combine(Output, "host.json")));
        JsonElement provider = host.RootElement.GetProperty("extensions").GetProperty("durableTask").GetProperty("storageProvider");
        Assert.Equal("TaskFlow", provider.GetProperty("type").GetString());
        Assert.Equal(FunctionAppServices.ConnectionSetting, provider.GetProperty("connectionStringName").GetString());
    }

    [Fact]
    public void LocalSettingsExample_RunsTheIsolatedWorker_OnAzuriteAndALocalPostgreSql()
    {
        using JsonDocument settings = JsonDocument.Parse(File.ReadAllText(Repository.PathTo("src", "Functions", "local.settings.json.example")));
        JsonElement values = settings.RootElement.GetProperty("Values");
        Assert.Equal("dotnet-isolated", values.GetProperty("FUNCTIONS_WORKER_RUNTIME").GetString());
        Assert.Equal("UseDevelopmentStorage=true", values.GetProperty("AzureWebJobsStorage").GetString());
        Assert.StartsWith("Host=127.0.0.1;", values.GetProperty(FunctionAppServices.ConnectionSetting).GetString());
    }

    private static JsonElement[] Metadata() =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(Output, "functions.metadata"))).RootElement.EnumerateArray().ToArray();

    private static JsonElement Trigger(string function) =>
        Metadata().Single(f => f.GetProperty("name").GetString() == function)
            .GetProperty("bindings").EnumerateArray().Single(b => b.GetProperty("type").GetString()!.EndsWith("Trigger", StringComparison.Ordinal));
}
