namespace TaskFlow.Instances;

/// <summary>What one batch of retention did: how many tasks it deleted, and where its walk stopped (null: nothing was
/// left to look at).</summary>
internal sealed record RetentionBatch(long Purged, RetentionCursor? WalkedTo);
