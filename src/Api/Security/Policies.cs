using System.Security.Claims;
using TaskFlow.Security;

namespace TaskFlow.Api.Security;

/// <summary>Which roles each kind of endpoint admits. One table for both hosts: the server reads it from endpoint
/// metadata, the Function App from an attribute on each HTTP function.</summary>
internal static class Policies
{
    /// <summary>Reading tasks: viewers, operators, admins, and submitters (their own tasks only).</summary>
    public static readonly Policy ReadTasks = new("read-tasks", [Roles.Viewer, Roles.Operator, Roles.Admin, Roles.Submitter]);

    /// <summary>Reading everything else (counts, schedules, dead letter, workers).</summary>
    public static readonly Policy Read = new("read", [Roles.Viewer, Roles.Operator, Roles.Admin]);

    /// <summary>Submitting tasks.</summary>
    public static readonly Policy Submit = new("submit", [Roles.Submitter, Roles.Admin]);

    /// <summary>Acting on tasks and schedules: cancel, retry, purge, events, suspend/resume, schedule changes.</summary>
    public static readonly Policy Operate = new("operate", [Roles.Operator, Roles.Admin]);

    /// <summary>API keys.</summary>
    public static readonly Policy Admin = new("admin", [Roles.Admin]);

    public static IReadOnlyList<Policy> All { get; } = [ReadTasks, Read, Submit, Operate, Admin];
}

/// <summary>A named set of roles, any one of which admits the caller.</summary>
internal sealed record Policy(string Name, IReadOnlyList<string> Roles)
{
    public bool Admits(ClaimsPrincipal caller) => this.Roles.Any(caller.IsInRole);
}

/// <summary>Marks an endpoint or HTTP function with the policy that admits its callers.</summary>
[AttributeUsage(AttributeTargets.Method)]
internal sealed class RequiresAttribute(string policy) : Attribute
{
    public Policy Policy { get; } = Policies.All.Single(p => p.Name == policy);
}

/// <summary>Marks an endpoint or HTTP function that anyone may call (health, readiness).</summary>
[AttributeUsage(AttributeTargets.Method)]
internal sealed class AnonymousAttribute : Attribute;
