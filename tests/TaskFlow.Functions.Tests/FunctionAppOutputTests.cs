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
        { "SubmitTask", "post", "api/tasks" }, { "SubmitTaskBatch", "post", "api/tasks/batch" }, { "ListTasks", "get", "api/tasks" },
        { "CountTasks", "get", "api/tasks/counts" }, { "GetTask", "get", "api/tasks/{id}" }, { "GetTaskHistory", "get", "api/tasks/{id}/history" },
        { "CancelTask", "post", "api/tasks/{id}/cancel" }, { "RetryTask", "post", "api/tasks/{id}/retry" }, { "SuspendTask", "post", "api/tasks/{id}/suspend" },
        { "ResumeTask", "post", "api/tasks/{id}/resume" }, { "RaiseTaskEvent", "post", "api/tasks/{id}/events/{name}" }, { "PurgeTask", "delete", "api/tasks/{id}" },
        { "CreateSchedule", "post", "api/schedules" }, { "ListSchedules", "get", "api/schedules" }, { "GetSchedule", "get", "api/schedules/{name}" },
        { "GetScheduleHistory", "get", "api/schedules/{name}/history" }, { "PutSchedule", "put", "api/schedules/{name}" },
        { "DeleteSchedule", "delete", "api/schedules/{name}" }, { "PauseSchedule", "post", "api/schedules/{name}/pause" },
        { "ResumeSchedule", "post", "api/schedules/{name}/resume" }, { "TriggerSchedule", "post", "api/schedules/{name}/trigger" },
        { "ListDeadLetter", "get", "api/dead-letter" }, { "ListWorkers", "get", "api/workers" }, { "ListStatuses", "get", "api/statuses" }, { "Health", "get", "healthz" }, { "Ready", "get", "readyz" },
        { "CreateKey", "post", "api/keys" }, { "ListKeys", "get", "api/keys" }, { "GetKey", "get", "api/keys/{id}" }, { "RevokeKey", "post", "api/keys/{id}/revoke" },
        { "DeleteKey", "delete", "api/keys/{id}" },
        { "ListEntities", "get", "api/entities" }, { "GetEntity", "get", "api/entities/{name}/{key}" },
        { "SignalEntity", "post", "api/entities/{name}/{key}/signals" },
        { "ListLimits", "get", "api/limits" }, { "ListLimitChanges", "get", "api/limits/changes" },
        { "SetActivityLimit", "put", "api/limits/{activity}" }, { "SetTagLimit", "put", "api/limits/tags/{tag}" },
        { "RemoveActivityLimit", "delete", "api/limits/{activity}" }, { "RemoveTagLimit", "delete", "api/limits/tags/{tag}" },
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
        string[] orchestrators = ["sequence", "fan-out", "approval", "countdown", "batch-of-batches", "taskflow-activity", "count", "transfer"];
        string[] activities = ["echo", "sleep", "flaky", "http"];
        string[] entities = ["counter", "account"];
        Assert.All(orchestrators, name => Assert.Equal("orchestrationTrigger", Trigger(name).GetProperty("type").GetString()));
        Assert.All(activities, name => Assert.Equal("activityTrigger", Trigger(name).GetProperty("type").GetString()));
        Assert.All(entities, name => Assert.Equal("entityTrigger", Trigger(name).GetProperty("type").GetString()));
        Assert.Equal(
            HttpFunctions.Select(row => (string)row[0]).Concat(orchestrators).Concat(activities).Concat(entities).Append("Maintenance").Order(),
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
        using JsonDocument settings = JsonDocument.Parse(File.ReadAllText(Repository.PathTo("local.settings.json.example")));
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
