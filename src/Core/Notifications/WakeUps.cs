namespace TaskFlow.Notifications;

/// <summary>Which of a process's dispatcher loops a wake-up is for (<see cref="WakeSignal"/>): the work that became ready.</summary>
[Flags]
internal enum WakeUps
{
    /// <summary>No work readied.</summary>
    None = 0,

    /// <summary>Orchestrations' episodes and timers.</summary>
    Episodes = 1,

    /// <summary>Activities, and plain tasks.</summary>
    Activities = 2,

    /// <summary>Durable entities' batches.</summary>
    Entities = 4,

    /// <summary>Any work: whoever rings does not know which, or readied several.</summary>
    All = Episodes | Activities | Entities,
}
