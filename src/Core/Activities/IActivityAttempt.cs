namespace TaskFlow.Activities;

/// <summary>What TaskFlow knows about the attempt an activity runs in, whichever host runs it: the server's workers
/// (<c>TaskFlowActivityContext</c>) or the Function App's activity functions. Activities read it through
/// <c>TaskActivityContextExtensions</c>.</summary>
internal interface IActivityAttempt
{
    /// <summary>The attempt number from 1.</summary>
    int Attempt { get; }

    /// <summary>Signalled when the attempt should stop: its task was cancelled or timed out, its lease was lost, or its
    /// process is shutting down.</summary>
    CancellationToken CancellationToken { get; }

    /// <summary>Stable across attempts of this activity.</summary>
    string IdempotencyKey { get; }
}
