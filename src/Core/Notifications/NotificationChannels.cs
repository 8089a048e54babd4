namespace TaskFlow.Notifications;

/// <summary>The PostgreSQL NOTIFY channels TaskFlow uses. They carry no state: losing one only delays work.</summary>
internal static class NotificationChannels
{
    /// <summary>Work became ready (payload unused).</summary>
    public const string WorkReady = "taskflow_work";

    /// <summary>A task was cancelled; payload is its instance id, so the worker running it stops the activity.</summary>
    public const string TaskCancelled = "taskflow_cancel";
}
