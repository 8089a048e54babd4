using Microsoft.DurableTask;

namespace TaskFlow.Activities;

/// <summary>TaskFlow's attempt details on any <see cref="TaskActivityContext"/>: from TaskFlow's server and from
/// TaskFlow's Function App alike. Under another host the context is not TaskFlow's, and these answer the neutral value,
/// so one activity class runs anywhere.</summary>
public static class TaskActivityContextExtensions
{
    /// <summary>Signalled on timeout, cancellation, a lost lease or shutdown; <see cref="CancellationToken.None"/> elsewhere.</summary>
    public static CancellationToken GetCancellationToken(this TaskActivityContext context) =>
        context is IActivityAttempt taskFlow ? taskFlow.CancellationToken : CancellationToken.None;

    /// <summary>The attempt number from 1 (crash re-runs count); 1 elsewhere.</summary>
    public static int GetAttempt(this TaskActivityContext context) =>
        context is IActivityAttempt taskFlow ? taskFlow.Attempt : 1;

    /// <summary>A key stable across attempts of this activity; the instance id elsewhere.</summary>
    public static string GetIdempotencyKey(this TaskActivityContext context) =>
        context is IActivityAttempt taskFlow ? taskFlow.IdempotencyKey : context.InstanceId;
}
