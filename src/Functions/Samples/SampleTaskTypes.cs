namespace TaskFlow.Functions.Samples;

/// <summary>Registers the sample task types <c>echo</c>, <c>sleep</c> and <c>flaky</c>.</summary>
internal static class SampleTaskTypes
{
    public static TaskFlowBuilder AddSampleTaskTypes(this TaskFlowBuilder builder) => builder
        .AddActivity<EchoActivity>("echo")
        .AddActivity<SleepActivity>("sleep")
        .AddActivity<FlakyActivity>("flaky");
}
