namespace TaskFlow.Dispatch.Doorbells;

/// <summary>How work reaches workers (configuration section <c>TaskFlow:Dispatch</c>).</summary>
public sealed class QueueDispatchOptions
{
    /// <summary>The configuration section these options bind from.</summary>
    public const string Section = "TaskFlow:Dispatch";

    /// <summary>PostgreSQL LISTEN/NOTIFY: workers lease the next ready work themselves. The default.</summary>
    public const string PostgresMode = "postgres";

    /// <summary>A doorbell message per ready work item on Azure Queue Storage; workers (or an Azure Functions
    /// queue trigger) receive doorbells and lease those items.</summary>
    public const string AzureQueueMode = "azure-queue";

    /// <summary><see cref="PostgresMode"/> or <see cref="AzureQueueMode"/>.</summary>
    public string Mode { get; set; } = PostgresMode;

    /// <summary>The storage connection string; empty: the <c>AzureWebJobsStorage</c> setting, as Azure Functions uses.</summary>
    public string QueueConnection { get; set; } = string.Empty;

    /// <summary>Queue names start with this: <c>{prefix}-activity</c>, <c>{prefix}-orchestration</c>, <c>{prefix}-timer</c>, <c>{prefix}-entity</c>,
    /// and each one's <c>-poison</c> queue.</summary>
    public string QueuePrefix { get; set; } = "taskflow";

    /// <summary>How long a received doorbell stays hidden while its work runs; a doorbell whose receiver died shows again after it.</summary>
    public TimeSpan VisibilityTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>A doorbell received more often than this goes to the poison queue and its work item fails.</summary>
    public int MaxDequeueCount { get; set; } = 5;

    /// <summary>When a queue holds fewer messages than work items wait on one, the items still waiting this long after
    /// their doorbell showed are rung again (their messages went missing); checked every half of it.</summary>
    public TimeSpan RingAgainAfter { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How often the ringer looks for work items that need a doorbell.</summary>
    public TimeSpan RingInterval { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>The longest pause between receives while the queues are empty (pauses double up to it).</summary>
    public TimeSpan MaxReceiveInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>True in <see cref="AzureQueueMode"/>.</summary>
    public bool UsesQueues => this.Mode == AzureQueueMode;

    internal void Validate()
    {
        if (this.Mode is not (PostgresMode or AzureQueueMode))
        {
            throw new InvalidOperationException($"{Section}:Mode must be '{PostgresMode}' or '{AzureQueueMode}' (it is '{this.Mode}').");
        }

        if (this.UsesQueues && !System.Text.RegularExpressions.Regex.IsMatch(this.QueuePrefix, "^[a-z0-9]([a-z0-9]|-(?!-)){1,40}$"))
        {
            throw new InvalidOperationException(
                $"{Section}:QueuePrefix '{this.QueuePrefix}' cannot start a queue name: use 2 to 41 lower-case letters, digits and single hyphens.");
        }

        if (this.MaxDequeueCount < 1)
        {
            throw new InvalidOperationException($"{Section}:MaxDequeueCount must be at least 1 (it is {this.MaxDequeueCount}).");
        }
    }
}
