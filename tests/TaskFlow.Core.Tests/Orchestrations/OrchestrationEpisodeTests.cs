using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using TaskFlow.Orchestrations;

namespace TaskFlow.Core.Tests.Orchestrations;

/// <summary>The replay engine alone: history in, decisions out, no database.</summary>
public sealed class OrchestrationEpisodeTests
{
    private static readonly DateTimeOffset Start = DateTimeOffset.Parse("2030-01-01T00:00:00Z");
    private static readonly IServiceProvider Services = new ServiceCollection().BuildServiceProvider();

    [Fact]
    public void Run_FirstEpisodeOfAFanOut_SchedulesEveryActivityAndWaits()
    {
        EpisodeResult result = Run<SumOfEchoes>([Started(3)], []);

        Assert.Equal(EpisodeOutcome.Waiting, result.Outcome);
        Assert.Equal([1, 2, 3], result.NewActions.Select(a => a.TaskId));
        Assert.All(result.NewActions, a => Assert.Equal("echo", a.Name));
    }

    [Fact]
    public void Run_WithAllResultsInHistory_CompletesWithTheSumAndSchedulesNothingAgain()
    {
        OrchestrationEvent[] past = [Started(3), Scheduled(1, "echo"), Scheduled(2, "echo"), Scheduled(3, "echo"), Completed(2, "20"), Completed(1, "10")];

        EpisodeResult result = Run<SumOfEchoes>(past, [Completed(3, "30")]);

        Assert.Equal(EpisodeOutcome.Completed, result.Outcome);
        Assert.Equal("60", result.OutputJson);
        Assert.Empty(result.NewActions);
    }

    [Fact]
    public void Run_WhenCodeSchedulesADifferentActivityThanHistory_FailsAsNonDeterministicNamingTheStep()
    {
        OrchestrationEvent[] past = [Started(1), Scheduled(1, "charge-card"), Completed(1, "1")];

        EpisodeResult result = Run<SumOfEchoes>(past, []);

        Assert.Equal(EpisodeOutcome.Failed, result.Outcome);
        Assert.Equal("NonDeterministicOrchestration", result.Failure!.Type);
        Assert.Equal(
            "Step 1: history has TaskScheduled 'charge-card', but the orchestrator code now does TaskScheduled 'echo'. Orchestrator code must be deterministic; deploy changed logic under a new orchestrator name, or let running instances finish first.",
            result.Failure.Message);
    }

    [Fact]
    public void Run_WithAnEventRaisedBeforeTheWait_DeliversItWhenTheCodeWaits()
    {
        OrchestrationEvent[] past = [Started(0)];

        EpisodeResult result = Run<TwoEvents>(past, [Raised("second", "2"), Raised("first", "1")]);

        Assert.Equal(EpisodeOutcome.Completed, result.Outcome);
        Assert.Equal("\"1,2\"", result.OutputJson);
    }

    [Fact]
    public void Run_WhenTheTimeoutTimerFiresFirst_RaisesTimeoutInTheCode()
    {
        EpisodeResult first = Run<WaitWithTimeout>([Started(0)], []);
        var timer = Assert.IsType<CreateTimerAction>(Assert.Single(first.NewActions));
        Assert.Equal(Start.AddMinutes(5), timer.FireAt);

        OrchestrationEvent[] past = [Started(0), new("TimerCreated", 1, null, "{\"name\":\"timer\"}", Start, null)];
        EpisodeResult fired = Run<WaitWithTimeout>(past, [new("TimerFired", 1, null, "{}", Start.AddMinutes(5), null)]);

        Assert.Equal(EpisodeOutcome.Failed, fired.Outcome);
        Assert.Equal(typeof(TimeoutException).FullName, fired.Failure!.Type);
        Assert.Contains("Waited 00:05:00 for the external event 'go'", fired.Failure.Message);
    }

    [Fact]
    public void Run_WhenTheCodeThrows_FailsWithTheExceptionTypeMessageAndStackTrace()
    {
        EpisodeResult result = Run<Throws>([Started(0)], []);

        Assert.Equal(EpisodeOutcome.Failed, result.Outcome);
        Assert.Equal(typeof(InvalidOperationException).FullName, result.Failure!.Type);
        Assert.Equal("out of stock", result.Failure.Message);
        Assert.Contains(nameof(Throws), result.Failure.StackTrace);
    }

    [Fact]
    public void Run_WithContinueAsNew_EndsTheExecutionWithTheNextInput()
    {
        EpisodeResult result = Run<CountUp>([Started(1)], []);

        Assert.Equal(EpisodeOutcome.ContinuedAsNew, result.Outcome);
        Assert.Equal("2", result.ContinueAsNewInputJson);
        Assert.Equal(EpisodeOutcome.Completed, Run<CountUp>([Started(3)], []).Outcome);
    }

    [Fact]
    public void Run_WhileReplaying_ReportsIsReplayingUntilTheNewEvents()
    {
        OrchestrationEvent[] past = [Started(0), Scheduled(1, "echo")];

        EpisodeResult result = Run<RecordsReplaying>(past, [Completed(1, "1")]);

        Assert.Equal("[true,false]", result.OutputJson);
    }

    [Fact]
    public void Run_WhenAChildFailsWithRetry_WaitsTheBackoffOnATimerThenStartsANewChild()
    {
        EpisodeResult first = Run<RetriesChild>([Started(0)], []);
        var child = Assert.IsType<StartSubOrchestrationAction>(Assert.Single(first.NewActions));

        OrchestrationEvent[] past = [Started(0), new("SubOrchestrationCreated", 1, null, "{\"name\":\"child\"}", Start, "w")];
        OrchestrationEvent failed = new("SubOrchestrationFailed", 1, null,
            $"{{\"instanceId\":\"{child.InstanceId}\",\"error\":{{\"type\":\"X\",\"message\":\"boom\"}}}}", Start.AddSeconds(1), "w");
        var backoff = Assert.IsType<CreateTimerAction>(Assert.Single(Run<RetriesChild>(past, [failed]).NewActions));
        Assert.Equal(Start.AddSeconds(1 + 10), backoff.FireAt);

        OrchestrationEvent[] afterTimer = [.. past, failed, new("TimerCreated", 2, null, "{\"name\":\"timer\"}", Start, "w")];
        var retried = Assert.IsType<StartSubOrchestrationAction>(Assert.Single(
            Run<RetriesChild>(afterTimer, [new("TimerFired", 2, null, "{}", Start.AddSeconds(11), "w")]).NewActions));
        Assert.Equal(3, retried.TaskId);
        Assert.NotEqual(child.InstanceId, retried.InstanceId);
    }

    [Fact]
    public void NewGuid_IsTheSameOnEveryReplay()
    {
        var first = new OrchestrationEpisode(Guid.Empty, 1, "x");
        var again = new OrchestrationEpisode(Guid.Empty, 1, "x");

        Assert.Equal([first.NewGuid(), first.NewGuid()], [again.NewGuid(), again.NewGuid()]);
    }

    private static EpisodeResult Run<TOrchestrator>(IReadOnlyList<OrchestrationEvent> past, IReadOnlyList<OrchestrationEvent> fresh)
        where TOrchestrator : class =>
        new OrchestrationEpisode(Guid.NewGuid(), 1, typeof(TOrchestrator).Name)
            .Run(OrchestratorRegistration.Create<TOrchestrator>(typeof(TOrchestrator).Name), Services, past, fresh);

    private static OrchestrationEvent Started(int input) => new("ExecutionStarted", null, null, $"{{\"input\":{input}}}", Start, "test");

    private static OrchestrationEvent Scheduled(int taskId, string name) => new("TaskScheduled", taskId, null, JsonSerializer.Serialize(new { name }), Start, "w");

    private static OrchestrationEvent Completed(int taskId, string result) => new("TaskCompleted", taskId, 1, $"{{\"result\":{result}}}", Start.AddSeconds(taskId), "w");

    private static OrchestrationEvent Raised(string name, string input) => new("EventRaised", null, null, JsonSerializer.Serialize(new { name, input = JsonDocument.Parse(input).RootElement }), Start, "api");

    private sealed class SumOfEchoes : Orchestrator<int, long>
    {
        public override async Task<long> RunAsync(OrchestrationContext context, int input) =>
            (await Task.WhenAll(Enumerable.Range(1, input).Select(i => context.CallActivityAsync<long>("echo", i * 10)))).Sum();
    }

    private sealed class TwoEvents : Orchestrator<int, string>
    {
        public override async Task<string> RunAsync(OrchestrationContext context, int input)
        {
            int first = await context.WaitForExternalEvent<int>("first");
            int second = await context.WaitForExternalEvent<int>("second");
            return $"{first},{second}";
        }
    }

    private sealed class Throws : Orchestrator<int, int>
    {
        public override Task<int> RunAsync(OrchestrationContext context, int input) => throw new InvalidOperationException("out of stock");
    }

    private sealed class CountUp : Orchestrator<int, int>
    {
        public override Task<int> RunAsync(OrchestrationContext context, int input)
        {
            if (input < 3)
            {
                context.ContinueAsNew(input + 1);
            }

            return Task.FromResult(input);
        }
    }

    private sealed class RecordsReplaying : Orchestrator<int, bool[]>
    {
        public override async Task<bool[]> RunAsync(OrchestrationContext context, int input)
        {
            bool before = context.IsReplaying;
            await context.CallActivityAsync<int>("echo", 1);
            return [before, context.IsReplaying];
        }
    }

    private sealed class RetriesChild : Orchestrator<int, int>
    {
        public override Task<int> RunAsync(OrchestrationContext context, int input) => context.CallSubOrchestratorAsync<int>(
            "child", retry: new TaskFlow.Retries.RetryPolicy { MaxAttempts = 2, InitialInterval = TimeSpan.FromSeconds(10) });
    }

    private sealed class WaitWithTimeout : Orchestrator<int, int>
    {
        public override Task<int> RunAsync(OrchestrationContext context, int input) =>
            context.WaitForExternalEvent<int>("go", TimeSpan.FromMinutes(5));
    }
}
