namespace TaskFlow.Dispatch;

/// <summary>Why a running work item's cancellation token was signalled.</summary>
internal enum WorkStopReason
{
    None,
    TimedOut,
    Cancelled,
    LeaseLost,
    ShuttingDown,
}
