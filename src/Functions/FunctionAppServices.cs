using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using TaskFlow.Api.Admission;
using TaskFlow.Api.Endpoints;
using TaskFlow.Api.Samples;
using TaskFlow.Api.Schedules;
using TaskFlow.Api.Security;
using TaskFlow.Database;
using TaskFlow.Functions.Durable;
using TaskFlow.Instances;
using TaskFlow.Json;
using TaskFlow.Workers;

namespace TaskFlow.Functions;

/// <summary>What the Function App's functions use: TaskFlow's client and task types over the same database the host's
/// Durable provider uses, the shared API's options, and Application Insights.</summary>
internal static class FunctionAppServices
{
    /// <summary>The app setting (or connection string) with the PostgreSQL connection string; host.json's
    /// <c>storageProvider.connectionStringName</c> names the same one for the host.</summary>
    public const string ConnectionSetting = "TaskFlow";

    public static IServiceCollection AddTaskFlowFunctionApp(this IServiceCollection services, IConfiguration configuration)
    {
        string connectionString = ConnectionSettings.Read(configuration, ConnectionSetting);

        services.AddApplicationInsightsTelemetryWorkerService();
        services.ConfigureFunctionsApplicationInsights();
        services.AddTaskFlowTelemetry(configuration);

        // Inputs, outputs and events are in the worker's own default JSON (declared names, read case-insensitively), which
        // is TaskFlow's default data converter too (TaskFlowJson.Data): the server and this app read each other's.

        TaskFlowBuilder taskFlow = services.AddTaskFlow(connectionString, tasks => tasks.AddSampleTaskTypes().AddSampleEntities());
        taskFlow.AddMaintenance();
        services.AddSingleton(new WorkerIdentity { Role = "functions" });

        // Durable's dispatchers run the work here, and they run activities only inside orchestrations.
        services.Replace(ServiceDescriptor.Singleton(provider => new TaskFlowClient(
            provider.GetRequiredService<Npgsql.NpgsqlDataSource>(),
            provider.GetRequiredService<Database.SqlClock>(),
            provider.GetRequiredService<Orchestrations.OrchestratorRegistry>().Contains,
            provider.GetRequiredService<Notifications.WorkReadyNotifier>()) { ActivityTasksAsOrchestrations = true }));
        services.AddOptions<TaskFlow.Workers.WorkerOptions>().BindConfiguration(TaskFlow.Workers.WorkerOptions.Section);
        services.Configure<ApiOptions>(configuration.GetSection(ApiOptions.Section));
        services.AddTaskFlowSecurity(configuration);
        services.AddTaskFlowAdmission();
        services.AddHostedService<ConfiguredSchedules>();
        services.AddSingleton<TaskRunner>();
        return services;
    }
}
