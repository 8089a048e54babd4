using System.Diagnostics;

namespace TaskFlow.Telemetry;

/// <summary>TaskFlow's spans (activity source <c>TaskFlow</c>): the submit, each orchestration episode and each activity
/// attempt, in one trace per task. The submit span's context is stored with the task (<c>trace_parent</c>); its
/// episodes and activities are started as its children, in whichever process runs them.</summary>
internal static class TaskFlowTracing
{
    public const string SourceName = "TaskFlow";
    public static readonly ActivitySource Source = new(SourceName);

    /// <summary>The submit span, the child of the caller's <c>traceparent</c> when it sent a valid one; else of the
    /// ambient span when that is recorded; else the root of a new trace.</summary>
    public static Activity? StartSubmit(string type, string? callerTraceParent)
    {
        bool fromCaller = ActivityContext.TryParse(callerTraceParent, null, out ActivityContext caller);
        if (!fromCaller && Activity.Current is { Recorded: false })
        {
            // The web server's own request activity, which no one records: as a parent it would have the sampler drop
            // the task's whole trace. Callers are async methods, so the request's activity is theirs again on return.
            Activity.Current = null;
        }

        return Source.StartActivity($"taskflow.submit {type}", ActivityKind.Producer, fromCaller ? caller : default, [new("taskflow.task.type", type)]);
    }

    /// <summary>A span for work on a stored task: a child of its submit span, or a root when it has none.</summary>
    public static Activity? StartWork(string name, string? traceParent, string instanceId, int attempt) =>
        Source.StartActivity(
            name, ActivityKind.Consumer,
            ActivityContext.TryParse(traceParent, null, out ActivityContext parent) ? parent : default,
            [new("taskflow.instance.id", instanceId), new("taskflow.attempt", attempt)]);

    /// <summary>The W3C traceparent of a span, to store with the task.</summary>
    public static string? TraceParentOf(Activity? span) => span?.Id is { } id && span.IdFormat == ActivityIdFormat.W3C ? id : null;
}
