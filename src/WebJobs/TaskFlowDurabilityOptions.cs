using TaskFlow.Leases;

namespace TaskFlow.WebJobs;

/// <summary>The provider's settings, read from host.json's <c>extensions.durableTask.storageProvider</c> object
/// (<c>"type": "TaskFlow"</c> selects the provider).</summary>
public sealed class TaskFlowDurabilityOptions
{
    /// <summary>The app setting (or connection string) that holds the PostgreSQL connection string.</summary>
    public string ConnectionStringName { get; set; } = "TaskFlow";

    /// <summary>How long a lock on an episode or an activity lasts unless renewed (a host that dies delays its work by
    /// this much): TaskFlow's lease duration (<see cref="LeaseOptions.Duration"/>), with its default.</summary>
    public TimeSpan LockDuration { get; set; } = new LeaseOptions().Duration;

    /// <summary>The longest a dispatcher waits between looks at the store when no notification woke it.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);
}
