using Microsoft.DurableTask;

namespace TaskFlow.Api.Samples;

/// <summary>Registers the sample task types: activities <c>echo</c>, <c>sleep</c>, <c>flaky</c>; orchestrations
/// <c>fan-out</c>, <c>approval</c>, <c>countdown</c>, <c>batch-of-batches</c>, <c>sequence</c>.</summary>
internal static class SampleTaskTypes
{
    public static DurableTaskRegistry AddSampleTaskTypes(this DurableTaskRegistry registry) => registry
        .AddActivity<EchoActivity>("echo")
        .AddActivity<SleepActivity>("sleep")
        .AddActivity<FlakyActivity>("flaky")
        .AddOrchestrator<FanOutOrchestrator>("fan-out")
        .AddOrchestrator<ApprovalOrchestrator>("approval")
        .AddOrchestrator<CountdownOrchestrator>("countdown")
        .AddOrchestrator<BatchOfBatchesOrchestrator>("batch-of-batches")
        .AddOrchestrator<SequenceOrchestrator>("sequence");
}
