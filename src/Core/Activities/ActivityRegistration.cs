using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;

namespace TaskFlow.Activities;

/// <summary>A registered activity: its name, its input type, and how to run it on JSON.</summary>
internal sealed class ActivityRegistration
{
    private readonly Func<IServiceProvider, ActivityContext, string?, Task<string?>> invoke;

    private ActivityRegistration(string name, Type activityType, Type inputType, Func<IServiceProvider, ActivityContext, string?, Task<string?>> invoke)
    {
        this.Name = name;
        this.ActivityType = activityType;
        this.InputType = inputType;
        this.invoke = invoke;
    }

    public string Name { get; }

    public Type ActivityType { get; }

    public Type InputType { get; }

    public static ActivityRegistration Create<TActivity>(string name)
        where TActivity : class
    {
        Type[] arguments = GenericBase.Arguments(typeof(TActivity), typeof(Activity<,>));
        var invoke = typeof(ActivityRegistration)
            .GetMethod(nameof(InvokeAsync), System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!
            .MakeGenericMethod(typeof(TActivity), arguments[0], arguments[1])
            .CreateDelegate<Func<IServiceProvider, ActivityContext, string?, Task<string?>>>();
        return new ActivityRegistration(name, typeof(TActivity), arguments[0], invoke);
    }

    /// <summary>Runs the activity in a fresh DI scope; input and output are JSON text.</summary>
    public async Task<string?> RunAsync(IServiceProvider services, ActivityContext context, string? inputJson)
    {
        await using AsyncServiceScope scope = services.CreateAsyncScope();
        return await this.invoke(scope.ServiceProvider, context, inputJson);
    }

    private static async Task<string?> InvokeAsync<TActivity, TInput, TOutput>(IServiceProvider services, ActivityContext context, string? inputJson)
        where TActivity : Activity<TInput, TOutput>
    {
        TActivity activity = Factory<TActivity>.Create(services);
        TInput input = inputJson is null ? default! : JsonSerializer.Deserialize<TInput>(inputJson, TaskFlowJson.Options)!;
        TOutput output = await activity.RunAsync(context, input);
        return output is null ? null : JsonSerializer.Serialize(output, TaskFlowJson.Options);
    }

    /// <summary>The constructor lookup is done once per activity type, not once per run.</summary>
    private static class Factory<T>
    {
        private static readonly ObjectFactory<T> Cached = ActivatorUtilities.CreateFactory<T>(Type.EmptyTypes);

        public static T Create(IServiceProvider services) => Cached(services, null);
    }
}
