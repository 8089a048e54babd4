using TaskFlow.Orchestrations;

namespace TaskFlow.Testing;

/// <summary>For tests that change orchestrator code between episodes, as a new deployment would: a new process holds
/// no sessions, so the next episode replays the whole history through the changed code.</summary>
public static class EpisodeReplayerExtensions
{
    /// <summary>Waits until the worker has recorded its session for the instance (just after the commit a test may
    /// already have seen), then drops it.</summary>
    internal static async Task ForgetOnceHeldAsync(this EpisodeReplayer replayer, string instanceId)
    {
        using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (!replayer.HasSession(instanceId))
        {
            await Task.Delay(10, patience.Token);
        }

        replayer.Forget(instanceId);
    }
}
