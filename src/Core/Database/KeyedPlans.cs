namespace TaskFlow.Database;

/// <summary>Planner settings for a hot statement that finds its rows by the keys it is given (ids, arrays of ids), so
/// its plan can be made once per connection and kept (<see cref="Generic"/>). Sent before the statement in its implicit transaction
/// (<see cref="OptionalFilterQuery.TransactionSettings"/>), they end with it.</summary>
/// <remarks>Planning cost more than running: in the soak (1,000 tasks a second, small batches) the lease took 0.53 ms a
/// call to plan and 0.41 ms to run, the plain tasks' completion 0.33 ms and 0.31 ms (pg_stat_statements). PostgreSQL
/// planned them at every call: the lease by its own setting, the completion because a generic <c>= ANY(array)</c> looked
/// dearer than the usual short array. A generic plan is kept as the tables grow, though, and one made while a table was
/// small (a new database, a queue just drained) walked the whole table per call once it was large (docs/benchmarks.md,
/// "The lease's generic plan"). So a statement run under these settings must bound every table it reads by its keys:
/// an index condition on the ids it is given or has just chosen (<c>id = ANY(…)</c>), never a join left to find them.
/// With sequential and bitmap scans off, those conditions are index scans; with nested loops and merge joins off, the
/// joins between the chosen rows and those index scans are hash joins, so a plan made for five rows stays linear for
/// five hundred (a nested loop made for five compared every pair).</remarks>
internal static class KeyedPlans
{
    /// <summary>One generic plan per connection: for a statement of fixed shape.</summary>
    public static readonly string Generic = OptionalFilterQuery.TransactionSettings(
        ("enable_seqscan", "off"), ("enable_bitmapscan", "off"), ("enable_nestloop", "off"), ("enable_mergejoin", "off"),
        ("plan_cache_mode", "force_generic_plan"));

    /// <summary>One generic plan per connection for each statement of a batch whose statements find their rows by key
    /// alone, with no join (an orchestration step's commit): only table scans are off, so a lookup that a statement
    /// correlates (a nested loop into an index) stays one.</summary>
    public static readonly string GenericLookups = OptionalFilterQuery.TransactionSettings(
        ("enable_seqscan", "off"), ("enable_bitmapscan", "off"), ("plan_cache_mode", "force_generic_plan"));
}
