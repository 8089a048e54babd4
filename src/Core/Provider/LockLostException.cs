using TaskFlow.WorkItems;

namespace TaskFlow.Provider;

/// <summary>A lock (a lease on a work item) was no longer this process's when it renewed or committed: it expired and
/// was handed on, or its instance was terminated. Nothing was written; whoever holds the work now does it.</summary>
public sealed class LockLostException : Exception
{
    internal LockLostException(WorkItemLease lease)
        : base($"The lock on {lease.Kind} work item {lease.WorkItemId} of instance '{lease.InstanceId}' was lost (lease {lease.LeaseToken}); " +
            "it expired and was handed on, or the instance ended. Nothing was written.")
    {
    }
}
