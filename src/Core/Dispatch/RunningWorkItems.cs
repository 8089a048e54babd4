using System.Collections.Concurrent;
using TaskFlow.WorkItems;

namespace TaskFlow.Dispatch;

/// <summary>The work items this process is running (activity attempts, episodes, timers), by lease token.</summary>
internal sealed class RunningWorkItems
{
    private readonly ConcurrentDictionary<long, RunningWorkItem> byToken = new();

    public int Count => this.byToken.Count;

    /// <summary>How many leases of <paramref name="instanceId"/> this process is working on.</summary>
    public int CountFor(string instanceId) => this.byToken.Values.Count(activity => activity.Lease.InstanceId == instanceId);

    public IReadOnlyCollection<WorkItemLease> Leases => this.byToken.Values.Select(running => running.Lease).ToArray();

    public void Add(RunningWorkItem activity) => this.byToken[activity.Lease.LeaseToken] = activity;

    public void Remove(RunningWorkItem activity) => this.byToken.TryRemove(activity.Lease.LeaseToken, out _);

    public void Stop(long leaseToken, WorkStopReason reason)
    {
        if (this.byToken.TryGetValue(leaseToken, out RunningWorkItem? activity))
        {
            activity.Stop(reason);
        }
    }

    public void StopInstance(string instanceId, WorkStopReason reason)
    {
        foreach (RunningWorkItem activity in this.byToken.Values.Where(a => a.Lease.InstanceId == instanceId))
        {
            activity.Stop(reason);
        }
    }

    public void StopAll(WorkStopReason reason)
    {
        foreach (RunningWorkItem activity in this.byToken.Values)
        {
            activity.Stop(reason);
        }
    }
}
