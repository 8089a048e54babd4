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

    /// <summary>Registers the sample Durable entities <c>counter</c> and <c>account</c> and the orchestrations that use
    /// them, <c>count</c> and <c>transfer</c>. Entities run where the Durable Task Framework dispatches them: in a
    /// Function App (or any host) over TaskFlow's storage provider.</summary>
    public static DurableTaskRegistry AddSampleEntities(this DurableTaskRegistry registry) => registry
        .AddEntity<CounterEntity>("counter")
        .AddEntity<AccountEntity>("account")
        .AddOrchestrator<CountOrchestrator>("count")
        .AddOrchestrator<TransferOrchestrator>("transfer");
}
