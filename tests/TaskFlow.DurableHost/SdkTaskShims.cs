using DurableTask.Core;
using DurableTask.Core.Entities;
using DurableTask.Core.Entities.OperationFormat;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Converters;
using Microsoft.DurableTask.Entities;
using Microsoft.DurableTask.Worker;
using Microsoft.DurableTask.Worker.Shims;
using TaskFlow.Json;

namespace TaskFlow.DurableHost;

/// <summary>Runs the Durable Task SDK's classes (orchestrators, activities, entities) on a <see cref="TaskHubWorker"/>
/// through the SDK's shims, as the Durable extension runs an isolated Function App's: its out-of-process middleware
/// hands each entity batch to the worker, which runs it through the same shim. Entities need the provider's queue of
/// their own (<c>SetUseSeparateQueueForEntityWorkItems(true)</c> before the worker is made).</summary>
public static class SdkTaskShims
{
    public static TaskHubWorker AddSdkTasks(this TaskHubWorker worker, DurableTaskRegistry registry)
    {
        var shims = new DurableTaskShimFactory(new DurableTaskWorkerOptions { EnableEntitySupport = true, DataConverter = new JsonDataConverter(TaskFlowJson.Data) });
        IServiceProvider none = new NoServices();
        foreach ((TaskName name, Func<IServiceProvider, ITaskOrchestrator> create) in registry.GetOrchestrators())
        {
            worker.AddTaskOrchestrations(new Creator<TaskOrchestration>(name.Name, () => shims.CreateOrchestration(name, create(none))));
        }

        foreach ((TaskName name, Func<IServiceProvider, ITaskActivity> create) in registry.GetActivities())
        {
            worker.AddTaskActivities(new Creator<TaskActivity>(name.Name, () => shims.CreateActivity(name, create(none))));
        }

        var entities = registry.GetEntities().ToDictionary(pair => pair.Key.Name, pair => pair.Value, StringComparer.OrdinalIgnoreCase);
        worker.AddEntityDispatcherMiddleware(async (context, next) =>
        {
            EntityBatchRequest request = context.GetProperty<EntityBatchRequest>();
            EntityId id = EntityId.FromString(request.InstanceId!);
            await Task.Delay(HostTuning.EntityDelay); // crash tests: slow enough to be caught holding the batch's lease
            TaskEntity entity = shims.CreateEntity(id.Name, entities[id.Name](none), id);
            context.SetProperty(await entity.ExecuteOperationBatchAsync(request));
            await next();
        });
        return worker;
    }

    /// <summary>A new shim for every episode, as the SDK's own worker makes one.</summary>
    private sealed class Creator<T> : ObjectCreator<T>
    {
        private readonly Func<T> create;

        public Creator(string name, Func<T> create)
        {
            this.Name = name;
            this.Version = string.Empty;
            this.create = create;
        }

        public override T Create() => this.create();
    }

    /// <summary>The services the sample tasks ask for: the clock, and nothing else.</summary>
    private sealed class NoServices : IServiceProvider
    {
        public object? GetService(Type serviceType) => serviceType == typeof(TimeProvider) ? TimeProvider.System : null;
    }
}
