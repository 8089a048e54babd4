namespace TaskFlow.Limits;

/// <summary>How processes that lease work wait for work that limits hold.</summary>
internal static class LimitedWork
{
    /// <summary>How soon an idle dispatcher looks again while limited work is ready but held: a slot frees when another
    /// process finishes, and a token when its time comes, and neither is announced. At 25 ms a slot stands idle 12 ms on
    /// average, and a dispatcher makes at most 40 empty leases a second, each a probe of the limits' own indexes.</summary>
    public static readonly TimeSpan RecheckInterval = TimeSpan.FromMilliseconds(25);
}
