using Microsoft.Extensions.Configuration;

namespace TaskFlow.Leases;

/// <summary>How long a process's hold on a work item (its lease) lasts, and how it is kept and taken back: one setting
/// for the server's dispatchers (configuration section <c>TaskFlow:Lease</c>) and the Durable storage provider (host.json's
/// <c>lockDuration</c> is <see cref="Duration"/>).</summary>
public sealed class LeaseOptions
{
    /// <summary>The configuration section these options bind from.</summary>
    public const string Section = "TaskFlow:Lease";

    /// <summary>How long a lease lasts unless renewed. A process that dies holding one delays that work by up to this
    /// long plus <see cref="RescueInterval"/>; short, so a dead worker's work moves on quickly.</summary>
    public TimeSpan Duration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How often a process renews the leases of the work it runs; by default a third of <see cref="Duration"/>,
    /// so two renewals can fail before a lease lapses.</summary>
    public TimeSpan? RenewInterval { get; set; }

    /// <summary>How often expired leases are looked for and their work handed on (as a failed attempt).</summary>
    public TimeSpan RescueInterval { get; set; } = TimeSpan.FromSeconds(5);

    internal TimeSpan RenewEvery => this.RenewInterval ?? this.Duration / 3;

    /// <summary>Raises an error naming the setting that is out of range (or still under its old name).</summary>
    internal void Validate(IConfiguration? configuration = null)
    {
        foreach ((string old, string current) in new[] { ("LeaseDuration", "Duration"), ("RescueInterval", "RescueInterval") })
        {
            if (configuration?[$"TaskFlow:Worker:{old}"] is not null)
            {
                throw new InvalidOperationException(
                    $"TaskFlow:Worker:{old} is now {Section}:{current} (one lease setting for every dispatcher and the Durable provider); rename it.");
            }
        }

        if (this.Duration < TimeSpan.FromSeconds(1))
        {
            throw new InvalidOperationException($"{Section}:Duration (host.json lockDuration for the Durable provider) must be at least one second (it is {this.Duration}).");
        }

        if (this.RenewEvery <= TimeSpan.Zero || this.RenewEvery >= this.Duration)
        {
            throw new InvalidOperationException(
                $"{Section}:RenewInterval ({this.RenewEvery}) must be more than zero and shorter than {Section}:Duration ({this.Duration}), or leases lapse between renewals.");
        }

        if (this.RescueInterval <= TimeSpan.Zero)
        {
            throw new InvalidOperationException($"{Section}:RescueInterval must be more than zero (it is {this.RescueInterval}).");
        }
    }
}
