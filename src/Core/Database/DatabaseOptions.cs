namespace TaskFlow.Database;

/// <summary>How a process treats the database's schema at start (configuration section <c>TaskFlow:Database</c>).</summary>
public sealed class DatabaseOptions
{
    /// <summary>The configuration section these options bind from.</summary>
    public const string Section = "TaskFlow:Database";

    /// <summary>Apply pending migrations at start (the default). Off, the process only checks that none is pending and
    /// refuses to start otherwise: a deployment that migrates in a step of its own (<c>--role migrate</c>, the Helm chart's
    /// Job) can then run its API and workers as a database role without the right to change the schema.</summary>
    public bool MigrateOnStart { get; set; } = true;
}
