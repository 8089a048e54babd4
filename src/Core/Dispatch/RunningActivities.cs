using System.Collections.Concurrent;

namespace TaskFlow.Dispatch;

/// <summary>The activity attempts this process is running, by lease token.</summary>
internal sealed class RunningActivities
{
    private readonly ConcurrentDictionary<long, RunningActivity> byToken = new();

    public int Count => this.byToken.Count;

    /// <summary>How many leases of <paramref name="instanceId"/> this process is working on.</summary>
    public int CountFor(string instanceId) => this.byToken.Values.Count(activity => activity.Lease.InstanceId == instanceId);

    public IReadOnlyCollection<long> LeaseTokens => this.byToken.Keys.ToArray();

    public void Add(RunningActivity activity) => this.byToken[activity.Lease.LeaseToken] = activity;

    public void Remove(RunningActivity activity) => this.byToken.TryRemove(activity.Lease.LeaseToken, out _);

    public void Stop(long leaseToken, ActivityStopReason reason)
    {
        if (this.byToken.TryGetValue(leaseToken, out RunningActivity? activity))
        {
            activity.Stop(reason);
        }
    }

    public void StopInstance(string instanceId, ActivityStopReason reason)
    {
        foreach (RunningActivity activity in this.byToken.Values.Where(a => a.Lease.InstanceId == instanceId))
        {
            activity.Stop(reason);
        }
    }

    public void StopAll(ActivityStopReason reason)
    {
        foreach (RunningActivity activity in this.byToken.Values)
        {
            activity.Stop(reason);
        }
    }
}
