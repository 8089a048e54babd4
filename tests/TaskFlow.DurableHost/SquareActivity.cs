using DurableTask.Core;

namespace TaskFlow.DurableHost;

/// <summary>Squares its input, after <see cref="HostTuning.ActivityDelay"/> (a stand-in for I/O).</summary>
public sealed class SquareActivity : AsyncTaskActivity<int, int>
{
    protected override async Task<int> ExecuteAsync(TaskContext context, int input)
    {
        if (HostTuning.ActivityDelay > TimeSpan.Zero)
        {
            await Task.Delay(HostTuning.ActivityDelay);
        }

        return input * input;
    }
}
