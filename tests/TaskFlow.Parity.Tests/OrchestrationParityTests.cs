using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.DurableTask.Client;
using TaskFlow.Parity.Tests.Backends;

namespace TaskFlow.Parity.Tests;

/// <summary>Each sample orchestrator and each edge case runs on TaskFlow and on Microsoft's in-memory backend (the real
/// gRPC worker and client over the Durable Task Framework's dispatcher), driven through each one's
/// <see cref="DurableTaskClient"/>: status, output, failure type and message, custom status, and the history's event
/// kinds must match.</summary>
/// <remarks>Event kinds are compared in order where the orchestration does one thing at a time, and as a multiset
/// where it waits on several at once (the order in which parallel activities finish is a race on either backend).</remarks>
public sealed class OrchestrationParityTests(ParityFixture fixture) : IClassFixture<ParityFixture>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public Task Sequence_Sample() => this.AssertSameAsync("sequence", _ => new { steps = 3 });

    [Fact]
    public Task Output_InTheDefaultConvertersShape() => this.AssertSameAsync("returns-a-record", _ => null);

    [Fact]
    public Task CurrentUtcDateTime_AndNewGuid_ReadTheSameOnReplay() => this.AssertSameAsync(nameof(ParityTasks.ReplaySafeValues), _ => null);

    /// <summary>The orchestration a single-activity task runs in on Azure Functions: its activity with a retry policy and a
    /// time-out timer that the activity beats (the timer is cancelled, and the orchestration ends with the output).</summary>
    [Fact]
    public Task SingleActivityTask_WithATimeOut_CompletesWithTheActivitysOutput() => this.AssertSameAsync(
        TaskFlow.Instances.ActivityTask.OrchestratorName,
        _ => new { activity = "double", input = 21, retry = new { maxAttempts = 2 }, timeout = "PT1M" });

    [Fact]
    public Task FunctionStyle_OrchestratorAndActivities() => this.AssertSameAsync("double-then-add-one", _ => 20);

    [Fact]
    public Task FanOut_Sample() => this.AssertSameAsync("fan-out", _ => new { count = 20 }, ordered: false);

    [Fact]
    public Task FanOut_OfFlakyActivitiesThatFail_FailsWithTheFirstActivitysError() =>
        this.AssertSameAsync("fan-out", _ => new { count = 3, activity = "flaky", input = new { failures = 1 } }, ordered: false);

    [Fact]
    public Task BatchOfBatches_Sample_SubOrchestrationPerChunk() =>
        this.AssertSameAsync("batch-of-batches", _ => new { items = 25, chunk = 10 }, ordered: false);

    [Fact]
    public Task Countdown_Sample_DurableTimer() =>
        this.AssertSameAsync("countdown", _ => new { seconds = 1 }, output: json => string.Join(",", JsonNode.Parse(json!)!.AsObject().Select(p => p.Key).Order()));

    [Fact]
    public Task Approval_Sample_WhenTheWaitTimesOut() => this.AssertSameAsync("approval", _ => new { timeout = "PT1S" });

    [Fact]
    public Task Approval_Sample_WhenTheEventArrives() => this.AssertSameAsync(
        "approval",
        _ => new { timeout = "PT1H" },
        drive: async (backend, id) =>
        {
            await backend.Client.WaitForInstanceStartAsync(id, this.Timeout());
            await backend.Client.RaiseEventAsync(id, "approved", true);
        });

    [Fact]
    public Task WhenAny_OfATimerAndAnEvent_EventFirst() => this.AssertSameAsync(
        nameof(ParityTasks.TimerOrEvent),
        _ => 3600.0,
        drive: async (backend, id) =>
        {
            await backend.Client.WaitForInstanceStartAsync(id, this.Timeout());
            await backend.Client.RaiseEventAsync(id, "signal", "hello");
        });

    [Fact]
    public Task WhenAny_OfATimerAndAnEvent_TimerFirst() => this.AssertSameAsync(nameof(ParityTasks.TimerOrEvent), _ => 0.5);

    [Fact]
    public Task Retry_WithDurableBackoff_SucceedsOnTheThirdAttempt() => this.AssertSameAsync(
        nameof(ParityTasks.RetriesWithBackoff), backend => new ParityTasks.FailsUntil.Input($"{backend.Name}:{Guid.NewGuid()}", Attempts: 3));

    [Fact]
    public Task Retry_WhenAttemptsRunOut_FailsWithTheLastError() => this.AssertSameAsync(
        nameof(ParityTasks.RetriesWithBackoff), backend => new ParityTasks.FailsUntil.Input($"{backend.Name}:{Guid.NewGuid()}", Attempts: 10));

    [Fact]
    public Task Retry_WithARetryHandler_DecidesEachAttempt() => this.AssertSameAsync(
        nameof(ParityTasks.RetriesWithAHandler), backend => new ParityTasks.FailsUntil.Input($"{backend.Name}:{Guid.NewGuid()}", Attempts: 3));

    [Fact]
    public Task SendEvent_ToAnotherInstance_WakesItsWait() => this.AssertSameAsync(
        nameof(ParityTasks.WaitsForGo),
        _ => null,
        drive: async (backend, id) =>
        {
            await backend.Client.WaitForInstanceStartAsync(id, this.Timeout());
            string sender = await backend.Client.ScheduleNewOrchestrationInstanceAsync(nameof(ParityTasks.SendsAnEvent), id);
            await backend.Client.WaitForInstanceCompletionAsync(sender, this.Timeout());
        });

    [Fact]
    public async Task Activity_ScheduledWithoutWaiting_StillRunsAfterTheOrchestrationCompleted()
    {
        var keys = new System.Collections.Concurrent.ConcurrentDictionary<string, string>();
        await this.AssertSameAsync(
            nameof(ParityTasks.FireAndForget), backend => new ParityTasks.FailsUntil.Input(keys[backend.Name] = $"{backend.Name}:{Guid.NewGuid()}", Attempts: 1));

        foreach (string key in keys.Values)
        {
            using var patience = new CancellationTokenSource(Patience);
            while (ParityTasks.FailsUntil.CallsFor(key) == 0)
            {
                await Task.Delay(20, patience.Token);
            }

            Assert.Equal(1, ParityTasks.FailsUntil.CallsFor(key));
        }
    }

    [Fact]
    public Task SubOrchestration_ThatFails_FailsItsParent() => this.AssertSameAsync(nameof(ParityTasks.ParentOfFailingChild), _ => "x");

    [Fact]
    public Task ContinueAsNew_WithEventsCarriedOver_AddsThemAll() => this.AssertSameAsync(
        nameof(ParityTasks.Accumulator),
        _ => new ParityTasks.Accumulator.State(0, 0, 3),
        drive: async (backend, id) =>
        {
            // All three arrive before the first execution ends: two must be carried into the next executions.
            foreach (int value in new[] { 1, 2, 3 })
            {
                await backend.Client.RaiseEventAsync(id, "add", value);
            }
        });

    [Fact]
    public Task Terminate_WhileAnActivityRuns_EndsTerminated() => this.AssertSameAsync(
        nameof(ParityTasks.SleepsLong),
        _ => null,
        drive: async (backend, id) =>
        {
            await backend.Client.WaitForInstanceStartAsync(id, this.Timeout());
            await backend.Client.TerminateInstanceAsync(id, "enough");
        });

    [Fact]
    public Task SuspendAndResume_HoldsTheEventUntilResumed() => this.AssertSameAsync(
        nameof(ParityTasks.WaitsForGo),
        _ => null,
        drive: async (backend, id) =>
        {
            await backend.Client.WaitForInstanceStartAsync(id, this.Timeout());
            await backend.Client.SuspendInstanceAsync(id, "hold on");
            await WaitForStatusAsync(backend, id, OrchestrationRuntimeStatus.Suspended); // Durable Task suspends asynchronously
            await backend.Client.RaiseEventAsync(id, "go", "now");
            Assert.Equal(OrchestrationRuntimeStatus.Suspended, (await backend.Client.GetInstanceAsync(id))!.RuntimeStatus);
            await backend.Client.ResumeInstanceAsync(id, "carry on");
        });

    [Fact]
    public Task CodeChange_ThatBreaksDeterminism_FailsWithTheSdksError() => this.AssertSameAsync(
        nameof(ParityTasks.Switching),
        _ => null,
        drive: async (backend, id) =>
        {
            await WaitForEventAsync(backend, id, "TaskCompleted"); // the first step's result is in the history
            ParityTasks.Switching.ActivityFor[id] = "sleep"; // "a new deployment" changes step 0
            await backend.RedeployAsync(id);
            await backend.Client.RaiseEventAsync(id, "go", true);
        });

    private static async Task WaitForStatusAsync(IDurableBackend backend, string id, OrchestrationRuntimeStatus status)
    {
        using var patience = new CancellationTokenSource(Patience);
        while ((await backend.Client.GetInstanceAsync(id))?.RuntimeStatus != status)
        {
            await Task.Delay(20, patience.Token);
        }
    }

    private static async Task WaitForEventAsync(IDurableBackend backend, string id, string kind)
    {
        using var patience = new CancellationTokenSource(Patience);
        while (!(await backend.HistoryKindsAsync(id)).Contains(kind))
        {
            await Task.Delay(20, patience.Token);
        }
    }

    private CancellationToken Timeout() => new CancellationTokenSource(Patience).Token;

    /// <param name="input">The input for each backend (a per-backend key where a test activity keeps count).</param>
    /// <param name="drive">What the test does to the instance while it runs (events, suspend, terminate).</param>
    /// <param name="output">Reduces an output and a custom status to what must match (a countdown's times differ by when it ran).</param>
    private async Task AssertSameAsync(
        string orchestrator, Func<IDurableBackend, object?> input, Func<IDurableBackend, string, Task>? drive = null, bool ordered = true, Func<string?, string?>? output = null)
    {
        Outcome[] outcomes = await Task.WhenAll(fixture.Backends.Select(async backend =>
        {
            string id = await backend.Client.ScheduleNewOrchestrationInstanceAsync(orchestrator, input(backend));
            if (drive is not null)
            {
                await drive(backend, id);
            }

            OrchestrationMetadata done;
            try
            {
                done = await backend.Client.WaitForInstanceCompletionAsync(id, getInputsAndOutputs: true, this.Timeout());
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"{backend.Name}: instance {id} did not finish within {Patience}: {await backend.DescribeAsync(id)}");
            }

            IReadOnlyList<string> kinds = await backend.HistoryKindsAsync(id);
            return new Outcome(
                backend.Name,
                done.RuntimeStatus,
                output is null ? Canonical(done.SerializedOutput) : output(done.SerializedOutput),
                done.FailureDetails?.ErrorType,
                done.FailureDetails?.ErrorMessage,
                output is null ? Canonical(done.SerializedCustomStatus) : output(done.SerializedCustomStatus),
                ordered ? kinds : [.. kinds.Order(StringComparer.Ordinal)]);
        }));

        Outcome reference = outcomes[^1];
        foreach (Outcome other in outcomes[..^1])
        {
            Assert.Equal(reference, other, OutcomeComparer.Instance);
        }
    }

    /// <summary>JSON with object keys in order: PostgreSQL's jsonb keeps its own key order.</summary>
    private static string? Canonical(string? json)
    {
        try
        {
            return json is null ? null : Sort(JsonNode.Parse(json))?.ToJsonString() ?? "null";
        }
        catch (JsonException)
        {
            return json; // not JSON: compared as text
        }
    }

    private static JsonNode? Sort(JsonNode? node) => node switch
    {
        JsonObject obj => new JsonObject(obj.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => KeyValuePair.Create(p.Key, Sort(p.Value?.DeepClone())))),
        JsonArray array => new JsonArray([.. array.Select(item => Sort(item?.DeepClone()))]),
        _ => node?.DeepClone(),
    };

    private sealed record Outcome(
        string Backend, OrchestrationRuntimeStatus Status, string? Output, string? FailureType, string? FailureMessage, string? CustomStatus,
        IReadOnlyList<string> Kinds)
    {
        public override string ToString() =>
            $"{this.Backend}: {this.Status}, output {this.Output}, failure {this.FailureType}: {this.FailureMessage}, custom status {this.CustomStatus}, history [{string.Join(", ", this.Kinds)}]";
    }

    /// <summary>Outcomes are equal when all but the backend's name are (the history kinds compared item by item).</summary>
    private sealed class OutcomeComparer : IEqualityComparer<Outcome>
    {
        public static OutcomeComparer Instance { get; } = new();

        public bool Equals(Outcome? x, Outcome? y) =>
            x is not null && y is not null && x.Status == y.Status && x.Output == y.Output && x.FailureType == y.FailureType
            && x.FailureMessage == y.FailureMessage && x.CustomStatus == y.CustomStatus && x.Kinds.SequenceEqual(y.Kinds);

        public int GetHashCode(Outcome obj) => obj.Status.GetHashCode();
    }
}
