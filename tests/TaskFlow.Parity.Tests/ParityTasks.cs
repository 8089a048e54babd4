using System.Collections.Concurrent;
using Microsoft.DurableTask;
using TaskFlow.Api.Samples;

namespace TaskFlow.Parity.Tests;

/// <summary>What both backends register: the samples, and orchestrators for the edge cases.</summary>
internal static class ParityTasks
{
    public static void Register(DurableTaskRegistry registry) => registry
        .AddSampleTaskTypes()
        .AddOrchestratorFunc<int, int>("double-then-add-one", async (context, value) =>
            await context.CallActivityAsync<int>("add-one", await context.CallActivityAsync<int>("double", value)))
        .AddActivityFunc<int, int>("double", (context, value) => value * 2)
        .AddActivityFunc<int, int>("add-one", (context, value) => Task.FromResult(value + 1))
        .AddOrchestrator<TimerOrEvent>()
        .AddOrchestrator<RetriesWithBackoff>()
        .AddActivity<FailsUntil>()
        .AddOrchestrator<ParentOfFailingChild>()
        .AddOrchestrator<FailingChild>()
        .AddOrchestrator<Accumulator>()
        .AddOrchestrator<SleepsLong>()
        .AddOrchestrator<WaitsForGo>()
        .AddOrchestrator<Switching>()
        .AddOrchestrator<ParentWithNamedChild>()
        .AddOrchestrator<RetriesWithAHandler>()
        .AddOrchestrator<SendsAnEvent>()
        .AddOrchestrator<FireAndForget>()
        .AddOrchestrator<HandsOver>()
        .AddOrchestrator<ReplaySafeValues>()
        .AddOrchestratorFunc<object?, Shipment>("returns-a-record", (context, _) => new Shipment("order-42", 3, null))
        .AddActivityFunc<string, string>("identity", (context, value) => value);

    /// <summary>What TaskFlow's hosts register themselves (<c>AddTaskFlow</c>): for the backends that are not TaskFlow's server.</summary>
    public static void RegisterTaskFlowBuiltIns(DurableTaskRegistry registry) =>
        registry.AddOrchestrator<TaskFlow.Orchestrations.ActivityTaskOrchestrator>(TaskFlow.Instances.ActivityTask.OrchestratorName);

    /// <summary>An output with declared (PascalCase) names and a null: what each backend's default converter writes.</summary>
    public sealed record Shipment(string OrderId, int Parcels, string? Carrier);

    /// <summary>Reads <c>CurrentUtcDateTime</c> and <c>NewGuid()</c> before its first await, has an activity keep them,
    /// and compares them with what the replay in the next episode reads: equal wherever the store keeps the episode's
    /// time exactly.</summary>
    public sealed class ReplaySafeValues : TaskOrchestrator<object?, string>
    {
        public override async Task<string> RunAsync(TaskOrchestrationContext context, object? input)
        {
            string values = $"{context.CurrentUtcDateTime:O}|{context.NewGuid()}";
            string firstRun = await context.CallActivityAsync<string>("identity", values);
            return firstRun == values ? "same on replay" : $"first run {firstRun}, replay {values}";
        }
    }

    /// <summary><c>WhenAny</c> of a timer and an external event: which came first.</summary>
    public sealed class TimerOrEvent : TaskOrchestrator<double, string>
    {
        public override async Task<string> RunAsync(TaskOrchestrationContext context, double seconds)
        {
            using var cancelTimer = new CancellationTokenSource();
            Task timer = context.CreateTimer(TimeSpan.FromSeconds(seconds), cancelTimer.Token);
            Task<string> signal = context.WaitForExternalEvent<string>("signal");
            if (await Task.WhenAny(timer, signal) == signal)
            {
                cancelTimer.Cancel();
                return $"event:{signal.Result}";
            }

            return "timer";
        }
    }

    /// <summary>An activity that fails until its <see cref="FailsUntil.Input.Attempts"/>-th call, retried by TaskOptions
    /// with a durable backoff between attempts.</summary>
    public sealed class RetriesWithBackoff : TaskOrchestrator<FailsUntil.Input, int>
    {
        public override Task<int> RunAsync(TaskOrchestrationContext context, FailsUntil.Input input) =>
            context.CallActivityAsync<int>(nameof(FailsUntil), input, TaskOptions.FromRetryPolicy(new RetryPolicy(
                maxNumberOfAttempts: 3, firstRetryInterval: TimeSpan.FromMilliseconds(200), backoffCoefficient: 2)));
    }

    /// <summary>Fails its first <c>Attempts - 1</c> calls for a key, then returns the number of calls.</summary>
    public sealed class FailsUntil : TaskActivity<FailsUntil.Input, int>
    {
        private static readonly ConcurrentDictionary<string, int> Calls = new();

        /// <summary>How often the activity ran for <paramref name="key"/>.</summary>
        public static int CallsFor(string key) => Calls.GetValueOrDefault(key);

        public override Task<int> RunAsync(TaskActivityContext context, Input input)
        {
            int call = Calls.AddOrUpdate(input.Key, 1, (_, n) => n + 1);
            return call < input.Attempts
                ? throw new InvalidOperationException($"call {call} fails on purpose")
                : Task.FromResult(call);
        }

        /// <summary>A key per run (so each backend counts its own calls), and the call that succeeds.</summary>
        public sealed record Input(string Key, int Attempts);
    }

    public sealed class ParentOfFailingChild : TaskOrchestrator<string, string>
    {
        public override Task<string> RunAsync(TaskOrchestrationContext context, string input) =>
            context.CallSubOrchestratorAsync<string>(nameof(FailingChild), input);
    }

    public sealed class FailingChild : TaskOrchestrator<string, string>
    {
        public override Task<string> RunAsync(TaskOrchestrationContext context, string input) =>
            throw new InvalidOperationException($"the child fails on purpose ({input})");
    }

    /// <summary>Adds up <c>add</c> events, one per execution, continuing as new with unprocessed events carried over.</summary>
    public sealed class Accumulator : TaskOrchestrator<Accumulator.State, int>
    {
        public override async Task<int> RunAsync(TaskOrchestrationContext context, State state)
        {
            int total = state.Total + await context.WaitForExternalEvent<int>("add");
            if (state.Seen + 1 < state.Expected)
            {
                context.ContinueAsNew(new State(total, state.Seen + 1, state.Expected), preserveUnprocessedEvents: true);
            }

            return total;
        }

        public sealed record State(int Total, int Seen, int Expected);
    }

    public sealed class SleepsLong : TaskOrchestrator<object?, string>
    {
        public override async Task<string> RunAsync(TaskOrchestrationContext context, object? input)
        {
            await context.CallActivityAsync("sleep", new { ms = 600_000 });
            return "slept";
        }
    }

    public sealed class WaitsForGo : TaskOrchestrator<object?, string>
    {
        public override async Task<string> RunAsync(TaskOrchestrationContext context, object? input) =>
            "went:" + await context.WaitForExternalEvent<string>("go");
    }

    /// <summary>Calls the activity a test names for its instance (echo until then), then waits for <c>go</c>: changing
    /// the name between episodes is a code change that breaks determinism.</summary>
    public sealed class Switching : TaskOrchestrator<object?, string>
    {
        public static ConcurrentDictionary<string, string> ActivityFor { get; } = new();

        public override async Task<string> RunAsync(TaskOrchestrationContext context, object? input)
        {
            await context.CallActivityAsync<object>(ActivityFor.GetValueOrDefault(context.InstanceId, "echo"), 1);
            await context.WaitForExternalEvent<bool>("go");
            return "done";
        }
    }

    /// <summary>Starts its child under an id of its own choosing: its own id + ":child".</summary>
    public sealed class ParentWithNamedChild : TaskOrchestrator<string, int>
    {
        public override Task<int> RunAsync(TaskOrchestrationContext context, string input) =>
            context.CallSubOrchestratorAsync<int>("sequence", new { steps = 1 }, new SubOrchestrationOptions { InstanceId = $"{context.InstanceId}:child" });
    }

    /// <summary>A retry handler instead of a policy: retries an <see cref="InvalidOperationException"/> up to three
    /// attempts, recording each attempt in the custom status.</summary>
    public sealed class RetriesWithAHandler : TaskOrchestrator<FailsUntil.Input, int>
    {
        public override Task<int> RunAsync(TaskOrchestrationContext context, FailsUntil.Input input) =>
            context.CallActivityAsync<int>(nameof(FailsUntil), input, TaskOptions.FromRetryHandler(retry =>
            {
                context.SetCustomStatus(new { attempts = retry.LastAttemptNumber });
                return retry.LastAttemptNumber < 3 && retry.LastFailure.IsCausedBy<InvalidOperationException>();
            }));
    }

    /// <summary>Sends <c>go</c> to the instance named in its input, which waits for it.</summary>
    public sealed class SendsAnEvent : TaskOrchestrator<string, string>
    {
        public override Task<string> RunAsync(TaskOrchestrationContext context, string target)
        {
            context.SendEvent(target, "go", "from a sibling");
            return Task.FromResult("sent");
        }
    }

    /// <summary>Doubles its input, waits for <c>go</c>, doubles the event's number: a test hands the instance from one
    /// host to another during the wait, so each host runs an activity the other scheduled or replays what the other recorded.</summary>
    public sealed class HandsOver : TaskOrchestrator<int, string>
    {
        public override async Task<string> RunAsync(TaskOrchestrationContext context, int input)
        {
            int before = await context.CallActivityAsync<int>("double", input);
            int go = await context.WaitForExternalEvent<int>("go");
            int after = await context.CallActivityAsync<int>("double", go);
            return $"{before}|{after}";
        }
    }

    /// <summary>Schedules an activity without waiting for it, and completes.</summary>
    public sealed class FireAndForget : TaskOrchestrator<FailsUntil.Input, string>
    {
        public override Task<string> RunAsync(TaskOrchestrationContext context, FailsUntil.Input input)
        {
            _ = context.CallActivityAsync<int>(nameof(FailsUntil), input);
            return Task.FromResult("done");
        }
    }
}
