using System.Reflection;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;
using Microsoft.Extensions.DependencyInjection;
using TaskFlow.Functions.Durable;

namespace TaskFlow.Functions.Tests;

/// <summary>The Function App runs every task type the server runs: each registered orchestrator, activity and entity
/// has its wrapper function, under the same name, with the matching trigger.</summary>
public sealed class TaskTypeFunctionsTests(FunctionAppServicesFixture app) : IClassFixture<FunctionAppServicesFixture>
{
    [Fact]
    public void EveryRegisteredOrchestratorActivityAndEntity_HasAWrapperFunctionOfTheSameName()
    {
        DurableTaskRegistry registry = app.Services.GetRequiredService<DurableTaskRegistry>();
        Dictionary<string, Type> wrappers = new[] { typeof(TaskTypeFunctions), typeof(EntityFunctions) }.SelectMany(type => type.GetMethods())
            .Where(method => method.GetCustomAttribute<FunctionAttribute>() is not null)
            .ToDictionary(
                method => method.GetCustomAttribute<FunctionAttribute>()!.Name,
                method => method.GetParameters()[0].GetCustomAttributes()
                    .Single(a => a is OrchestrationTriggerAttribute or ActivityTriggerAttribute or EntityTriggerAttribute).GetType());

        string[] orchestrators = registry.GetOrchestrators().Select(pair => pair.Key.Name).ToArray();
        string[] activities = registry.GetActivities().Select(pair => pair.Key.Name).ToArray();
        string[] entities = registry.GetEntities().Select(pair => pair.Key.Name).ToArray();

        Assert.NotEmpty(orchestrators);
        Assert.NotEmpty(entities);
        Assert.All(orchestrators, name => Assert.Equal(typeof(OrchestrationTriggerAttribute), wrappers.GetValueOrDefault(name)));
        Assert.All(activities, name => Assert.Equal(typeof(ActivityTriggerAttribute), wrappers.GetValueOrDefault(name)));
        Assert.All(entities, name => Assert.Equal(typeof(EntityTriggerAttribute), wrappers.GetValueOrDefault(name)));
        Assert.Equal(orchestrators.Length + activities.Length + entities.Length, wrappers.Count);
    }
}
