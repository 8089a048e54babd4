using TaskFlow.Retries;

namespace TaskFlow.Instances;

/// <summary>A validated request to run a task: what the HTTP API and C# callers hand to <see cref="TaskFlowClient"/>.</summary>
/// <param name="Type">A registered activity name.</param>
/// <param name="InputJson">The input as JSON text, or null.</param>
/// <param name="Priority">0 to 9; higher is leased first.</param>
/// <param name="RunAt">Run no earlier than this (exclusive with <paramref name="Delay"/>).</param>
/// <param name="Delay">Run no earlier than this long after acceptance, on the database clock.</param>
/// <param name="Retry">The retry policy.</param>
/// <param name="Timeout">How long one attempt may run before it is stopped and counted as failed.</param>
/// <param name="IdempotencyKey">Same key and same request: the same task; a different request: a conflict.</param>
/// <param name="Tags">Free-form labels to filter by.</param>
/// <param name="RequestHash">A hash of the request's content, compared when an idempotency key repeats.</param>
/// <param name="Id">The instance id the caller chose (see <see cref="InstanceIds"/>), or null to have one generated.</param>
/// <param name="IsOrchestration">Whether <paramref name="Type"/> names an orchestrator; null: it does when this process
/// registered one under that name (a Durable host's orchestrators are registered with the host, not with TaskFlow).</param>
/// <param name="TraceParent">The W3C traceparent the task's spans descend from (its submit span's); null: none.</param>
public sealed record TaskSubmission(
    string Type,
    string? InputJson,
    int Priority,
    DateTimeOffset? RunAt,
    TimeSpan? Delay,
    RetryPolicy Retry,
    TimeSpan? Timeout,
    string? IdempotencyKey,
    IReadOnlyDictionary<string, string> Tags,
    byte[] RequestHash,
    string? Id = null,
    bool? IsOrchestration = null,
    string? TraceParent = null);
