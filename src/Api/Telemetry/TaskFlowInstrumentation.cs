using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using TaskFlow.Api.Security;
using TaskFlow.Telemetry;

namespace TaskFlow.Api.Telemetry;

/// <summary>What TaskFlow measures and traces, for the server and the Function App alike: they differ only in where
/// it goes (Prometheus, OTLP).</summary>
internal static class TaskFlowInstrumentation
{
    /// <summary>TaskFlow's meter, the caller gate's and Npgsql's; durations in buckets from 5 ms to an hour.</summary>
    public static MeterProviderBuilder AddTaskFlowMeters(this MeterProviderBuilder metrics) => metrics
        .AddMeter(TaskFlowMetrics.MeterName, LockoutTracker.MeterName, "Npgsql")
        .AddView("taskflow.*.duration", new ExplicitBucketHistogramConfiguration { Boundaries = TaskFlowMetrics.SecondsBuckets });

    /// <summary>TaskFlow's spans and Npgsql's (only for commands inside one: TaskFlowDataSource filters them).</summary>
    public static TracerProviderBuilder AddTaskFlowSources(this TracerProviderBuilder tracing) =>
        tracing.AddSource(TaskFlowTracing.SourceName, "Npgsql");
}
