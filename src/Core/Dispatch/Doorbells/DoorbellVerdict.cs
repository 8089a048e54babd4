namespace TaskFlow.Dispatch.Doorbells;

/// <summary>What a doorbell led to, which decides what becomes of its message.</summary>
internal enum DoorbellVerdict
{
    /// <summary>Its work item was leased here and its work started: delete the message once the work is done.</summary>
    Started,

    /// <summary>Its work item is finished or purged: delete the message.</summary>
    Gone,

    /// <summary>Another worker holds the lease (and its doorbell): delete this one.</summary>
    HeldElsewhere,

    /// <summary>Early: the work item is not due yet, and the ringer will put a doorbell timed for it: delete this one.</summary>
    NotDue,

    /// <summary>Ready, but locked by another statement this instant: let the message show again shortly.</summary>
    Busy,

    /// <summary>Unreadable, or received too often: copied to the poison queue (and its work item failed): delete it.</summary>
    Poisoned,
}
