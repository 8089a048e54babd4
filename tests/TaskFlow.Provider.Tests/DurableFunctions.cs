using System.Collections.Concurrent;
using Microsoft.Azure.WebJobs;
using Microsoft.Azure.WebJobs.Extensions.DurableTask;

namespace TaskFlow.Provider.Tests;

/// <summary>Durable Functions written for the in-process model, as a Function App has them: the extension's own
/// dispatchers run them, and TaskFlow's provider stores their state.</summary>
public static class DurableFunctions
{
    private static readonly ConcurrentDictionary<string, int> Calls = new();

    public static int CallsFor(string key) => Calls.GetValueOrDefault(key);

    [NoAutomaticTrigger]
    [FunctionName(nameof(Start))]
    public static Task Start([DurableClient] IDurableOrchestrationClient client, string instanceId, int count) =>
        client.StartNewAsync(nameof(FanOutRetryAndTimer), instanceId, count);

    /// <summary>A durable timer, a fan-out, then an activity that fails once and is retried.</summary>
    [FunctionName(nameof(FanOutRetryAndTimer))]
    public static async Task<int> FanOutRetryAndTimer([OrchestrationTrigger] IDurableOrchestrationContext context)
    {
        int count = context.GetInput<int>();
        await context.CreateTimer(context.CurrentUtcDateTime.AddSeconds(1), CancellationToken.None);
        int[] squares = await Task.WhenAll(Enumerable.Range(1, count).Select(i => context.CallActivityAsync<int>(nameof(Square), i)));
        context.SetCustomStatus(new { squared = squares.Length });
        int bonus = await context.CallActivityWithRetryAsync<int>(nameof(FailsOnce), new RetryOptions(TimeSpan.FromMilliseconds(200), 3), context.InstanceId);
        return squares.Sum() + bonus;
    }

    /// <summary>Activities of <see cref="HoldsAnActivity"/> wait here until a test lets them go.</summary>
    public static ConcurrentDictionary<string, TaskCompletionSource> Held { get; } = new();

    [NoAutomaticTrigger]
    [FunctionName(nameof(StartHolding))]
    public static Task StartHolding([DurableClient] IDurableOrchestrationClient client, string instanceId) =>
        client.StartNewAsync(nameof(HoldsAnActivity), instanceId, instanceId);

    /// <summary>One activity that runs until the test releases it, so its lease can be looked at.</summary>
    [FunctionName(nameof(HoldsAnActivity))]
    public static Task HoldsAnActivity([OrchestrationTrigger] IDurableOrchestrationContext context) =>
        context.CallActivityAsync(nameof(Hold), context.GetInput<string>());

    [FunctionName(nameof(Hold))]
    public static Task Hold([ActivityTrigger] string key) => Held.GetOrAdd(key, _ => new(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

    /// <summary>How often <see cref="SequenceThenEvent"/> was entered from its start, by input: once per episode that
    /// replays it, once in all when an extended session keeps it between episodes.</summary>
    public static ConcurrentDictionary<string, int> Entries { get; } = new();

    [NoAutomaticTrigger]
    [FunctionName(nameof(StartSequence))]
    public static Task StartSequence([DurableClient] IDurableOrchestrationClient client, string instanceId) =>
        client.StartNewAsync(nameof(SequenceThenEvent), instanceId, instanceId);

    /// <summary>Three activities one after another, then an external event: five episodes.</summary>
    [FunctionName(nameof(SequenceThenEvent))]
    public static async Task<int> SequenceThenEvent([OrchestrationTrigger] IDurableOrchestrationContext context)
    {
        Entries.AddOrUpdate(context.GetInput<string>(), 1, (_, entries) => entries + 1);
        int sum = 0;
        for (int i = 1; i <= 3; i++)
        {
            sum += await context.CallActivityAsync<int>(nameof(Square), i);
        }

        return sum + await context.WaitForExternalEvent<int>("bonus");
    }

    [FunctionName(nameof(Square))]
    public static int Square([ActivityTrigger] int value) => value * value;

    [FunctionName(nameof(FailsOnce))]
    public static int FailsOnce([ActivityTrigger] string key) =>
        Calls.AddOrUpdate(key, 1, (_, calls) => calls + 1) == 1 ? throw new InvalidOperationException("The first call fails.") : 1000;

    [NoAutomaticTrigger]
    [FunctionName(nameof(StartCounting))]
    public static Task StartCounting([DurableClient] IDurableOrchestrationClient client, string instanceId, string counter) =>
        client.StartNewAsync(nameof(CountInCriticalSection), instanceId, counter);

    /// <summary>Three signals to the counter, then, inside a critical section on it, a call that reads them all (one
    /// sender's messages keep their order).</summary>
    [FunctionName(nameof(CountInCriticalSection))]
    public static async Task<int> CountInCriticalSection([OrchestrationTrigger] IDurableOrchestrationContext context)
    {
        var counter = new EntityId(nameof(Counter), context.GetInput<string>());
        for (int i = 0; i < 3; i++)
        {
            context.SignalEntity(counter, "add", 1);
        }

        using (await context.LockAsync(counter))
        {
            return await context.CallEntityAsync<int>(counter, "get");
        }
    }

    /// <summary>An entity in the in-process model: the extension runs it through the orchestration dispatcher.</summary>
    /// <remarks>Function-based (an operation switch), which the Durable analyzer does not know: it looks for a class.</remarks>
#pragma warning disable DF0305
    [FunctionName(nameof(Counter))]
    public static void Counter([EntityTrigger] IDurableEntityContext context)
    {
        switch (context.OperationName)
        {
            case "add":
                context.SetState(context.GetState<int>() + context.GetInput<int>());
                break;
            case "get":
                context.Return(context.GetState<int>());
                break;
        }
    }
#pragma warning restore DF0305
}
